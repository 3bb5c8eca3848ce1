page 50106 "BCS Price List Headers API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'priceListHeader';
    EntitySetName = 'priceListHeaders';
    EntityCaption = 'Price List Header';
    EntitySetCaption = 'Price List Headers';
    SourceTable = "Price List Header";
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
                field("code"; Rec.Code) // Code[20]
                {
                    Caption = 'Code';
                }
                field(description; Rec.Description) // Text[250]
                {
                    Caption = 'Description';
                }
                field(priceType; Rec."Price Type") // Enum "Price Type": Sale, Purchase
                {
                    Caption = 'Price Type';
                }
                field(amountType; Rec."Amount Type") // Enum "Price Amount Type": Price, Discount, Any
                {
                    Caption = 'Amount Type';
                }
                field(currencyCode; Rec."Currency Code") // Code[10]
                {
                    Caption = 'Currency Code';
                }
                field(startingDate; Rec."Starting Date") // Date
                {
                    Caption = 'Starting Date';
                }
                field(endingDate; Rec."Ending Date") // Date
                {
                    Caption = 'Ending Date';
                }
                field(status; Rec.Status) // Enum "Price Status": Draft, Active, Inactive
                {
                    Caption = 'Status';
                }
                field(allowUpdatingDefaults; Rec."Allow Updating Defaults") // Boolean
                {
                    Caption = 'Allow Updating Defaults';
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
