// The write-in product and the freight account that orders from Dynamics 365 Sales use.
page 50113 "BCS Sales Setup API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'salesSetup';
    EntitySetName = 'salesSetup';
    EntityCaption = 'Sales & Receivables Setup';
    EntitySetCaption = 'Sales & Receivables Setup';
    SourceTable = "Sales & Receivables Setup";
    ODataKeyFields = SystemId;
    DelayedInsert = true;
    Extensible = false;
    InsertAllowed = false;
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
                field(writeInProductType; Rec."Write-in Product Type") // Enum "Sales Line Type":  , G/L Account, Item, Resource, Fixed Asset, Charge (Item), Allocation Account
                {
                    Caption = 'Write-in Product Type';
                }
                field(writeInProductNumber; Rec."Write-in Product No.") // Code[20]
                {
                    Caption = 'Write-in Product No.';
                }
                field(freightAccountNumber; Rec."Freight G/L Acc. No.") // Code[20]
                {
                    Caption = 'Freight G/L Acc. No.';
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
