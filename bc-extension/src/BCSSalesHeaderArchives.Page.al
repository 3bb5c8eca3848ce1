page 50111 "BCS Sales Header Archives API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'salesHeaderArchive';
    EntitySetName = 'salesHeaderArchives';
    EntityCaption = 'Sales Header Archive';
    EntitySetCaption = 'Sales Header Archives';
    SourceTable = "Sales Header Archive";
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
                field(number; Rec."No.") // Code[20]
                {
                    Caption = 'No.';
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
                field(customerNumber; Rec."Sell-to Customer No.") // Code[20]
                {
                    Caption = 'Sell-to Customer No.';
                    Editable = false;
                }
                field(yourReference; Rec."Your Reference") // Text[35]
                {
                    Caption = 'Your Reference';
                    Editable = false;
                }
                field(externalDocumentNumber; Rec."External Document No.") // Code[35]
                {
                    Caption = 'External Document No.';
                    Editable = false;
                }
                field(quoteNumber; Rec."Quote No.") // Code[20]
                {
                    Caption = 'Quote No.';
                    Editable = false;
                }
                field(dateArchived; Rec."Date Archived") // Date
                {
                    Caption = 'Date Archived';
                    Editable = false;
                }
                field(documentDate; Rec."Document Date") // Date
                {
                    Caption = 'Document Date';
                    Editable = false;
                }
                field(shipmentDate; Rec."Shipment Date") // Date
                {
                    Caption = 'Shipment Date';
                    Editable = false;
                }
                field(invoice; Rec.Invoice) // Boolean
                {
                    Caption = 'Invoice';
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
