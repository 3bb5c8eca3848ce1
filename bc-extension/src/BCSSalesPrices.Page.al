// Old pricing (customer price groups and sales prices); compiles while the Base Application still has table 7002.
page 50105 "BCS Sales Prices API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'salesPrice';
    EntitySetName = 'salesPrices';
    EntityCaption = 'Sales Price';
    EntitySetCaption = 'Sales Prices';
    SourceTable = "Sales Price";
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
                field(itemNumber; Rec."Item No.") // Code[20]
                {
                    Caption = 'Item No.';
                }
                field(salesType; Rec."Sales Type") // Option: Customer, Customer Price Group, All Customers, Campaign
                {
                    Caption = 'Sales Type';
                }
                field(salesCode; Rec."Sales Code") // Code[20]
                {
                    Caption = 'Sales Code';
                }
                field(currencyCode; Rec."Currency Code") // Code[10]
                {
                    Caption = 'Currency Code';
                }
                field(startingDate; Rec."Starting Date") // Date
                {
                    Caption = 'Starting Date';
                }
                field(unitOfMeasureCode; Rec."Unit of Measure Code") // Code[10]
                {
                    Caption = 'Unit of Measure Code';
                }
                field(minimumQuantity; Rec."Minimum Quantity") // Decimal
                {
                    Caption = 'Minimum Quantity';
                }
                field(unitPrice; Rec."Unit Price") // Decimal
                {
                    Caption = 'Unit Price';
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
