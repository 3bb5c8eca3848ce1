// Which companion extension serves this namespace and the company's local currency; bcsync doctor reads it.
page 50109 "BCS Integration Info API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'integrationInfo';
    EntitySetName = 'integrationInfo';
    EntityCaption = 'Integration Info';
    EntitySetCaption = 'Integration Info';
    SourceTable = "Company Information";
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
                field(extensionId; ExtensionId) // Guid
                {
                    Caption = 'Extension Id';
                    Editable = false;
                }
                field(extensionName; ExtensionName) // Text[250]
                {
                    Caption = 'Extension Name';
                    Editable = false;
                }
                field(extensionPublisher; ExtensionPublisher) // Text[250]
                {
                    Caption = 'Extension Publisher';
                    Editable = false;
                }
                field(extensionVersion; ExtensionVersion) // Text[50]
                {
                    Caption = 'Extension Version';
                    Editable = false;
                }
                field(localCurrencyCode; LocalCurrencyCode) // Code[10]
                {
                    Caption = 'Local Currency Code';
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
        ExtensionId: Guid;
        ExtensionName: Text[250];
        ExtensionPublisher: Text[250];
        ExtensionVersion: Text[50];
        LocalCurrencyCode: Code[10];

    trigger OnAfterGetRecord()
    var
        GeneralLedgerSetup: Record "General Ledger Setup";
        CurrentModule: ModuleInfo;
    begin
        NavApp.GetCurrentModuleInfo(CurrentModule);
        ExtensionId := CurrentModule.Id;
        ExtensionName := CopyStr(CurrentModule.Name, 1, MaxStrLen(ExtensionName));
        ExtensionPublisher := CopyStr(CurrentModule.Publisher, 1, MaxStrLen(ExtensionPublisher));
        ExtensionVersion := CopyStr(Format(CurrentModule.AppVersion), 1, MaxStrLen(ExtensionVersion));
        if GeneralLedgerSetup.Get() then
            LocalCurrencyCode := GeneralLedgerSetup."LCY Code";
    end;
}
