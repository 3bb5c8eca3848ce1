page 50102 "BCS Item Units of Measure API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'itemUnitOfMeasure';
    EntitySetName = 'itemUnitsOfMeasure';
    EntityCaption = 'Item Unit of Measure';
    EntitySetCaption = 'Item Units of Measure';
    SourceTable = "Item Unit of Measure";
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
                field(itemId; ItemId) // Guid
                {
                    Caption = 'Item Id';
                    trigger OnValidate()
                    var
                        Item: Record Item;
                    begin
                        Item.GetBySystemId(ItemId);
                        Rec.Validate("Item No.", Item."No.");
                    end;
                }
                field(itemNumber; Rec."Item No.") // Code[20]
                {
                    Caption = 'Item No.';
                    trigger OnValidate()
                    var
                        Item: Record Item;
                    begin
                        if Item.Get(Rec."Item No.") then
                            ItemId := Item.SystemId;
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
        ItemId: Guid;

    trigger OnInsertRecord(BelowxRec: Boolean): Boolean
    begin
        // Insert with the SystemId the client sent: a repeated create then finds the record
        // instead of making a second one, so bcsync may retry a create whose answer was lost.
        Rec.Insert(true, true);
        exit(false);
    end;

    trigger OnAfterGetRecord()
    var
        Item: Record Item;
    begin
        Clear(ItemId);
        if Item.Get(Rec."Item No.") then
            ItemId := Item.SystemId;
    end;
}
