// Business Central keeps one unit group per item and resource itself, so the page is read-only.
page 50101 "BCS Unit Groups API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'unitGroup';
    EntitySetName = 'unitGroups';
    EntityCaption = 'Unit Group';
    EntitySetCaption = 'Unit Groups';
    SourceTable = "Unit Group";
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
                field("code"; Rec.Code) // Code[50]
                {
                    Caption = 'Code';
                    Editable = false;
                }
                field(sourceType; Rec."Source Type") // Enum "Unit Group Source Type": Item, Resource
                {
                    Caption = 'Source Type';
                    Editable = false;
                }
                field(sourceId; Rec."Source Id") // Guid
                {
                    Caption = 'Source Id';
                    Editable = false;
                }
                field(sourceNumber; Rec."Source No.") // Code[20]
                {
                    Caption = 'Source No.';
                    Editable = false;
                }
                field(description; Rec."Source Name") // Text[100]
                {
                    Caption = 'Source Name';
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
