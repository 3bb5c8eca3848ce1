page 50103 "BCS Resource Units of Measure API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'resourceUnitOfMeasure';
    EntitySetName = 'resourceUnitsOfMeasure';
    EntityCaption = 'Resource Unit of Measure';
    EntitySetCaption = 'Resource Units of Measure';
    SourceTable = "Resource Unit of Measure";
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
                field(resourceId; ResourceId) // Guid
                {
                    Caption = 'Resource Id';
                    trigger OnValidate()
                    var
                        Resource: Record Resource;
                    begin
                        Resource.GetBySystemId(ResourceId);
                        Rec.Validate("Resource No.", Resource."No.");
                    end;
                }
                field(resourceNumber; Rec."Resource No.") // Code[20]
                {
                    Caption = 'Resource No.';
                    trigger OnValidate()
                    var
                        Resource: Record Resource;
                    begin
                        if Resource.Get(Rec."Resource No.") then
                            ResourceId := Resource.SystemId;
                    end;
                }
                field("code"; Rec.Code) // Code[10]
                {
                    Caption = 'Code';
                }
                field(qtyPerUnitOfMeasure; Rec."Qty. per Unit of Measure") // Decimal
                {
                    Caption = 'Qty. per Unit of Measure';
                }
                field(lastModifiedDateTime; Rec.SystemModifiedAt) // DateTime
                {
                    Caption = 'Last Modified Date';
                    Editable = false;
                }
            }
        }
    }

    var
        ResourceId: Guid;

    trigger OnInsertRecord(BelowxRec: Boolean): Boolean
    begin
        // Insert with the SystemId the client sent: a repeated create then finds the record
        // instead of making a second one, so bcsync may retry a create whose answer was lost.
        Rec.Insert(true, true);
        exit(false);
    end;

    trigger OnAfterGetRecord()
    var
        Resource: Record Resource;
    begin
        Clear(ResourceId);
        if Resource.Get(Rec."Resource No.") then
            ResourceId := Resource.SystemId;
    end;
}
