page 50100 "BCS Resources API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'resource';
    EntitySetName = 'resources';
    EntityCaption = 'Resource';
    EntitySetCaption = 'Resources';
    SourceTable = Resource;
    ODataKeyFields = SystemId;
    DelayedInsert = true;
    Extensible = false;

    layout
    {
        area(Content)
        {
            repeater(Records)
            {
                field(id; Rec.SystemId) // Guid
                {
                    Caption = 'Id';
                }
                field(number; Rec."No.") // Code[20]
                {
                    Caption = 'No.';
                }
                field(name; Rec.Name) // Text[100]
                {
                    Caption = 'Name';
                }
                field(type; Rec.Type) // Enum "Resource Type": Person, Machine
                {
                    Caption = 'Type';
                }
                field(baseUnitOfMeasureCode; Rec."Base Unit of Measure") // Code[10]
                {
                    Caption = 'Base Unit of Measure';
                }
                field(unitPrice; Rec."Unit Price") // Decimal
                {
                    Caption = 'Unit Price';
                }
                field(unitCost; Rec."Unit Cost") // Decimal
                {
                    Caption = 'Unit Cost';
                }
                field(vendorNumber; Rec."Vendor No.") // Code[20]
                {
                    Caption = 'Vendor No.';
                }
                field(capacity; Rec.Capacity) // Decimal
                {
                    Caption = 'Capacity';
                    Editable = false;
                }
                field(blocked; Rec.Blocked) // Boolean
                {
                    Caption = 'Blocked';
                }
                field(lastModifiedDateTime; Rec.SystemModifiedAt) // DateTime
                {
                    Caption = 'Last Modified Date';
                    Editable = false;
                }
            }
        }
    }

    trigger OnInsertRecord(BelowxRec: Boolean): Boolean
    begin
        // Insert with the SystemId the client sent: a repeated create then finds the record
        // instead of making a second one, so bcsync may retry a create whose answer was lost.
        Rec.Insert(true, true);
        exit(false);
    end;
}
