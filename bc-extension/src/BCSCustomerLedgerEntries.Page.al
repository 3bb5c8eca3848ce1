// Payment status of posted invoices (remaining amount, open, closed).
page 50114 "BCS Customer Ledger Entries API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'customerLedgerEntry';
    EntitySetName = 'customerLedgerEntries';
    EntityCaption = 'Cust. Ledger Entry';
    EntitySetCaption = 'Cust. Ledger Entries';
    SourceTable = "Cust. Ledger Entry";
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
                field(customerNumber; Rec."Customer No.") // Code[20]
                {
                    Caption = 'Customer No.';
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
                field(description; Rec.Description) // Text[100]
                {
                    Caption = 'Description';
                    Editable = false;
                }
                field(currencyCode; Rec."Currency Code") // Code[10]
                {
                    Caption = 'Currency Code';
                    Editable = false;
                }
                field(amount; Rec.Amount) // Decimal
                {
                    Caption = 'Amount';
                    Editable = false;
                }
                field(remainingAmount; Rec."Remaining Amount") // Decimal
                {
                    Caption = 'Remaining Amount';
                    Editable = false;
                }
                field("open"; Rec.Open) // Boolean
                {
                    Caption = 'Open';
                    Editable = false;
                }
                field(closedAtDate; Rec."Closed at Date") // Date
                {
                    Caption = 'Closed at Date';
                    Editable = false;
                }
                field(reversed; Rec.Reversed) // Boolean
                {
                    Caption = 'Reversed';
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

    trigger OnOpenPage()
    begin
        Rec.SetAutoCalcFields(Amount, "Remaining Amount");
    end;
}
