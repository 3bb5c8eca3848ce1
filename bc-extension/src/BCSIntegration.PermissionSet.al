// What the Entra application bcsync signs in as needs: the pages of this extension and the tables behind them,
// plus read access to what their triggers look up. Assign it together with Business Central's own
// D365 permission sets for the API v2.0 entities (customers, items, sales documents, ...).
permissionset 50100 "BCSYNC INTEGRATION"
{
    Assignable = true;
    Caption = 'bcsync integration';

    Permissions =
        page "BCS Resources API" = X,
        page "BCS Unit Groups API" = X,
        page "BCS Item Units of Measure API" = X,
        page "BCS Resource Units of Measure API" = X,
        page "BCS Customer Price Groups API" = X,
        page "BCS Sales Prices API" = X,
        page "BCS Price List Headers API" = X,
        page "BCS Price List Lines API" = X,
        page "BCS Shipping Agents API" = X,
        page "BCS Integration Info API" = X,
        page "BCS Sales Headers API" = X,
        page "BCS Sales Header Archives API" = X,
        page "BCS Sales Line Archives API" = X,
        page "BCS Sales Setup API" = X,
        page "BCS Customer Ledger Entries API" = X,
        page "BCS Record Links API" = X,
        page "BCS Customer Statistics API" = X,
        page "BCS Sales Lines API" = X,
        page "BCS Detailed Cust. Ledg. Entries API" = X,
        tabledata Resource = RIMD,
        tabledata "Unit Group" = R,
        tabledata "Item Unit of Measure" = RIMD,
        tabledata "Resource Unit of Measure" = RIMD,
        tabledata "Customer Price Group" = RIMD,
        tabledata "Sales Price" = RIMD,
        tabledata "Price List Header" = RIMD,
        tabledata "Price List Line" = RIMD,
        tabledata "Shipping Agent" = RIMD,
        tabledata "Company Information" = R,
        tabledata "General Ledger Setup" = R,
        tabledata "Sales Header" = RM,
        tabledata "Sales Line" = RM,
        tabledata "Sales Header Archive" = RI,
        tabledata "Sales Line Archive" = RI,
        tabledata "Sales Shipment Header" = R,
        tabledata "Sales & Receivables Setup" = RM,
        tabledata "Cust. Ledger Entry" = R,
        tabledata "Detailed Cust. Ledg. Entry" = R,
        tabledata Customer = R,
        tabledata Item = R,
        tabledata "Record Link" = RIMD;
}
