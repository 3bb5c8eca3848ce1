page 50108 "BCS Shipping Agents API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'shippingAgent';
    EntitySetName = 'shippingAgents';
    EntityCaption = 'Shipping Agent';
    EntitySetCaption = 'Shipping Agents';
    SourceTable = "Shipping Agent";
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
                field("code"; Rec.Code) // Code[10]
                {
                    Caption = 'Code';
                }
                field(name; Rec.Name) // Text[50]
                {
                    Caption = 'Name';
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
