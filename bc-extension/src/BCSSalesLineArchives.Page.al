page 50112 "BCS Sales Line Archives API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'salesLineArchive';
    EntitySetName = 'salesLineArchives';
    EntityCaption = 'Sales Line Archive';
    EntitySetCaption = 'Sales Line Archives';
    SourceTable = "Sales Line Archive";
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
                field(documentType; Rec."Document Type") // Enum "Sales Document Type": Quote, Order, Invoice, Credit Memo, Blanket Order, Return Order
                {
                    Caption = 'Document Type';
                    Editable = false;
                }
                field(documentNumber; Rec."Document No.") // Code[20]
                {
                    Caption = 'Document No.';
                    Editable = false;
                }
                field(docNoOccurrence; Rec."Doc. No. Occurrence") // Integer
                {
                    Caption = 'Doc. No. Occurrence';
                    Editable = false;
                }
                field(versionNumber; Rec."Version No.") // Integer
                {
                    Caption = 'Version No.';
                    Editable = false;
                }
                field(lineNumber; Rec."Line No.") // Integer
                {
                    Caption = 'Line No.';
                    Editable = false;
                }
                field(lineType; Rec.Type) // Enum "Sales Line Type":  , G/L Account, Item, Resource, Fixed Asset, Charge (Item), Allocation Account
                {
                    Caption = 'Type';
                    Editable = false;
                }
                field(lineObjectNumber; Rec."No.") // Code[20]
                {
                    Caption = 'No.';
                    Editable = false;
                }
                field(description; Rec.Description) // Text[100]
                {
                    Caption = 'Description';
                    Editable = false;
                }
                field(quantity; Rec.Quantity) // Decimal
                {
                    Caption = 'Quantity';
                    Editable = false;
                }
                field(quantityShipped; Rec."Quantity Shipped") // Decimal
                {
                    Caption = 'Quantity Shipped';
                    Editable = false;
                }
                field(quantityInvoiced; Rec."Quantity Invoiced") // Decimal
                {
                    Caption = 'Quantity Invoiced';
                    Editable = false;
                }
                field(unitPrice; Rec."Unit Price") // Decimal
                {
                    Caption = 'Unit Price';
                    Editable = false;
                }
                field(lineDiscountPercent; Rec."Line Discount %") // Decimal
                {
                    Caption = 'Line Discount %';
                    Editable = false;
                }
                field(lineDiscountAmount; Rec."Line Discount Amount") // Decimal
                {
                    Caption = 'Line Discount Amount';
                    Editable = false;
                }
                field(amount; Rec.Amount) // Decimal
                {
                    Caption = 'Amount';
                    Editable = false;
                }
                field(amountIncludingVat; Rec."Amount Including VAT") // Decimal
                {
                    Caption = 'Amount Including VAT';
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
