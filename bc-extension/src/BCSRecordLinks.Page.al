// Notes on records (record links of type Note), addressed by the linked record's table and SystemId.
page 50115 "BCS Record Links API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'recordLink';
    EntitySetName = 'recordLinks';
    EntityCaption = 'Record Link';
    EntitySetCaption = 'Record Links';
    SourceTable = "Record Link";
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
                field(linkId; Rec."Link ID") // Integer
                {
                    Caption = 'Link ID';
                    Editable = false;
                }
                field(tableNumber; TableNumber) // Integer
                {
                    Caption = 'Table No.';
                }
                field(recordId; LinkedSystemId) // Guid
                {
                    Caption = 'Record Id';
                }
                field(description; Rec.Description) // Text[250]
                {
                    Caption = 'Description';
                }
                field(note; NoteText) // Text[2048]
                {
                    Caption = 'Note';
                }
                field(type; Rec.Type) // Option: Link, Note
                {
                    Caption = 'Type';
                    Editable = false;
                }
                field(created; Rec.Created) // DateTime
                {
                    Caption = 'Created';
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

    var
        TableNumber: Integer;
        LinkedSystemId: Guid;
        NoteText: Text[2048];

    trigger OnInsertRecord(BelowxRec: Boolean): Boolean
    var
        Linked: RecordRef;
        RecordLinkManagement: Codeunit "Record Link Management";
    begin
        Linked.Open(TableNumber);
        Linked.GetBySystemId(LinkedSystemId);
        Rec."Record ID" := Linked.RecordId();
        Rec.Type := Rec.Type::Note;
        Rec.Company := CopyStr(CompanyName(), 1, MaxStrLen(Rec.Company));
        Rec.Created := CurrentDateTime();
        Rec."User ID" := CopyStr(UserId(), 1, MaxStrLen(Rec."User ID"));
        RecordLinkManagement.WriteNote(Rec, NoteText);
        // Insert with the SystemId the client sent: a repeated create finds the note instead of adding a second.
        Rec.Insert(true, true);
        exit(false);
    end;

    trigger OnModifyRecord(): Boolean
    var
        RecordLinkManagement: Codeunit "Record Link Management";
    begin
        RecordLinkManagement.WriteNote(Rec, NoteText);
        Rec.Modify(true);
        exit(false);
    end;

    trigger OnAfterGetRecord()
    var
        Linked: RecordRef;
        RecordLinkManagement: Codeunit "Record Link Management";
    begin
        Clear(LinkedSystemId);
        TableNumber := Rec."Record ID".TableNo();
        if Linked.Get(Rec."Record ID") then
            LinkedSystemId := Linked.Field(Linked.SystemIdNo()).Value();
        NoteText := CopyStr(RecordLinkManagement.ReadNote(Rec), 1, MaxStrLen(NoteText));
    end;
}
