page 50107 "BCS Price List Lines API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'priceListLine';
    EntitySetName = 'priceListLines';
    EntityCaption = 'Price List Line';
    EntitySetCaption = 'Price List Lines';
    SourceTable = "Price List Line";
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
                field(priceListCode; Rec."Price List Code") // Code[20]
                {
                    Caption = 'Price List Code';
                }
                field(lineNumber; Rec."Line No.") // Integer
                {
                    Caption = 'Line No.';
                }
                field(priceType; Rec."Price Type") // Enum "Price Type": Sale, Purchase
                {
                    Caption = 'Price Type';
                }
                field(amountType; Rec."Amount Type") // Enum "Price Amount Type": Price, Discount, Any
                {
                    Caption = 'Amount Type';
                }
                field(assetType; Rec."Asset Type") // Enum "Price Asset Type":  , Item, Item Discount Group, Resource, Resource Group, Service Cost, G/L Account
                {
                    Caption = 'Asset Type';
                }
                field(assetNumber; Rec."Asset No.") // Code[20]
                {
                    Caption = 'Asset No.';
                }
                field(unitOfMeasureCode; Rec."Unit of Measure Code") // Code[10]
                {
                    Caption = 'Unit of Measure Code';
                }
                field(currencyCode; Rec."Currency Code") // Code[10]
                {
                    Caption = 'Currency Code';
                }
                field(minimumQuantity; Rec."Minimum Quantity") // Decimal
                {
                    Caption = 'Minimum Quantity';
                }
                field(unitPrice; Rec."Unit Price") // Decimal
                {
                    Caption = 'Unit Price';
                }
                field(startingDate; Rec."Starting Date") // Date
                {
                    Caption = 'Starting Date';
                }
                field(endingDate; Rec."Ending Date") // Date
                {
                    Caption = 'Ending Date';
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
