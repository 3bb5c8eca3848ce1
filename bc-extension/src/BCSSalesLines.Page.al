// What API v2.0 lacks on the lines of quotes and orders (same ids as v2.0 salesQuoteLines/salesOrderLines): the Line No. and "Attached to Line No.", which ties the comment lines continuing a long description to their line.
page 50117 "BCS Sales Lines API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'salesLine';
    EntitySetName = 'salesLines';
    EntityCaption = 'Sales Line';
    EntitySetCaption = 'Sales Lines';
    SourceTable = "Sales Line";
    ODataKeyFields = SystemId;
    DelayedInsert = true;
    Extensible = false;
    InsertAllowed = false;
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
                field(attachedToLineNumber; Rec."Attached to Line No.") // Integer
                {
                    Caption = 'Attached to Line No.';
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
