// Applications to customer ledger entries (payment status of posted invoices, read after an entry-number watermark).
page 50118 "BCS Detailed Cust. Ledg. Entries API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'detailedCustLedgerEntry';
    EntitySetName = 'detailedCustLedgerEntries';
    EntityCaption = 'Detailed Cust. Ledg. Entry';
    EntitySetCaption = 'Detailed Cust. Ledg. Entries';
    SourceTable = "Detailed Cust. Ledg. Entry";
    ODataKeyFields = SystemId;
    DelayedInsert = true;
    Extensible = false;
    Editable = false;
    InsertAllowed = false;
    ModifyAllowed = false;
    DeleteAllowed = false;

    layout
    {
        area(Content)
        {
            repeater(Records)
            {
                field(id; Rec.SystemId) // Guid
                {
                    Caption = 'Id';
                    Editable = false;
                }
                field(entryNumber; Rec."Entry No.") // Integer
                {
                    Caption = 'Entry No.';
                    Editable = false;
                }
                field(custLedgerEntryNumber; Rec."Cust. Ledger Entry No.") // Integer
                {
                    Caption = 'Cust. Ledger Entry No.';
                    Editable = false;
                }
                field(entryType; Rec."Entry Type") // Enum "Detailed CV Ledger Entry Type":  , Initial Entry, Application, Unrealized Loss, Unrealized Gain, Realized Loss, Realized Gain, Payment Discount, Payment Discount (VAT Excl.), Payment Discount (VAT Adjustment), Appln. Rounding, Correction of Remaining Amount, Payment Tolerance, Payment Discount Tolerance, Payment Tolerance (VAT Excl.), Payment Tolerance (VAT Adjustment), Payment Discount Tolerance (VAT Excl.), Payment Discount Tolerance (VAT Adjustment)
                {
                    Caption = 'Entry Type';
                    Editable = false;
                }
                field(postingDate; Rec."Posting Date") // Date
                {
                    Caption = 'Posting Date';
                    Editable = false;
                }
                field(documentType; Rec."Document Type") // Enum "Gen. Journal Document Type":  , Payment, Invoice, Credit Memo, Finance Charge Memo, Reminder, Refund
                {
                    Caption = 'Document Type';
                    Editable = false;
                }
                field(documentNumber; Rec."Document No.") // Code[20]
                {
                    Caption = 'Document No.';
                    Editable = false;
                }
                field(customerNumber; Rec."Customer No.") // Code[20]
                {
                    Caption = 'Customer No.';
                    Editable = false;
                }
                field(amount; Rec.Amount) // Decimal
                {
                    Caption = 'Amount';
                    Editable = false;
                }
                field(lastModifiedDateTime; Rec.SystemModifiedAt) // DateTime
                {
                    Caption = 'Last Modified Date';
                    Editable = false;
                }
            }
        }
    }
}
