// What API v2.0 lacks on quotes, orders and invoices (same ids as v2.0 salesQuotes/salesOrders/salesInvoices): Your Reference, Quote Valid Until, Quote No., Payment Discount %, Shipping Agent Code, status, release/reopen and archiving; and the Sales Header fields the SALESORDER-ORDER mapping reads as BC stores them (codes, addresses, amounts).
page 50110 "BCS Sales Headers API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'salesHeader';
    EntitySetName = 'salesHeaders';
    EntityCaption = 'Sales Header';
    EntitySetCaption = 'Sales Headers';
    SourceTable = "Sales Header";
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
                field(documentType; Rec."Document Type") // Enum "Sales Document Type": Quote, Order, Invoice, Credit Memo, Blanket Order, Return Order
                {
                    Caption = 'Document Type';
                    Editable = false;
                }
                field(number; Rec."No.") // Code[20]
                {
                    Caption = 'No.';
                    Editable = false;
                }
                field(yourReference; Rec."Your Reference") // Text[35]
                {
                    Caption = 'Your Reference';
                }
                field(quoteValidUntilDate; Rec."Quote Valid Until Date") // Date
                {
                    Caption = 'Quote Valid Until Date';
                }
                field(quoteNumber; Rec."Quote No.") // Code[20]
                {
                    Caption = 'Quote No.';
                }
                field(paymentDiscountPercent; Rec."Payment Discount %") // Decimal
                {
                    Caption = 'Payment Discount %';
                }
                field(shippingAgentCode; Rec."Shipping Agent Code") // Code[10]
                {
                    Caption = 'Shipping Agent Code';
                }
                field(status; Rec.Status) // Enum "Sales Document Status": Open, Released, Pending Approval, Pending Prepayment
                {
                    Caption = 'Status';
                    Editable = false;
                }
                field(completelyShipped; Rec."Completely Shipped") // Boolean
                {
                    Caption = 'Completely Shipped';
                    Editable = false;
                }
                field(lastShipmentDate; LastShipmentDate) // Date
                {
                    Caption = 'Last Shipment Date';
                    Editable = false;
                }
                field(docNoOccurrence; Rec."Doc. No. Occurrence") // Integer
                {
                    Caption = 'Doc. No. Occurrence';
                    Editable = false;
                }
                field(currencyCode; Rec."Currency Code") // Code[10]
                {
                    Caption = 'Currency Code';
                    Editable = false;
                }
                field(salespersonCode; Rec."Salesperson Code") // Code[20]
                {
                    Caption = 'Salesperson Code';
                    Editable = false;
                }
                field(requestedDeliveryDate; Rec."Requested Delivery Date") // Date
                {
                    Caption = 'Requested Delivery Date';
                    Editable = false;
                }
                field(paymentTermsCode; Rec."Payment Terms Code") // Code[10]
                {
                    Caption = 'Payment Terms Code';
                    Editable = false;
                }
                field(billToName; Rec."Bill-to Name") // Text[100]
                {
                    Caption = 'Bill-to Name';
                    Editable = false;
                }
                field(billToAddress; Rec."Bill-to Address") // Text[100]
                {
                    Caption = 'Bill-to Address';
                    Editable = false;
                }
                field(billToAddress2; Rec."Bill-to Address 2") // Text[50]
                {
                    Caption = 'Bill-to Address 2';
                    Editable = false;
                }
                field(billToCity; Rec."Bill-to City") // Text[30]
                {
                    Caption = 'Bill-to City';
                    Editable = false;
                }
                field(billToCountryCode; Rec."Bill-to Country/Region Code") // Code[10]
                {
                    Caption = 'Bill-to Country/Region Code';
                    Editable = false;
                }
                field(billToPostCode; Rec."Bill-to Post Code") // Code[20]
                {
                    Caption = 'Bill-to Post Code';
                    Editable = false;
                }
                field(billToCounty; Rec."Bill-to County") // Text[30]
                {
                    Caption = 'Bill-to County';
                    Editable = false;
                }
                field(shipToName; Rec."Ship-to Name") // Text[100]
                {
                    Caption = 'Ship-to Name';
                    Editable = false;
                }
                field(shipToAddress; Rec."Ship-to Address") // Text[100]
                {
                    Caption = 'Ship-to Address';
                    Editable = false;
                }
                field(shipToAddress2; Rec."Ship-to Address 2") // Text[50]
                {
                    Caption = 'Ship-to Address 2';
                    Editable = false;
                }
                field(shipToCity; Rec."Ship-to City") // Text[30]
                {
                    Caption = 'Ship-to City';
                    Editable = false;
                }
                field(shipToCountryCode; Rec."Ship-to Country/Region Code") // Code[10]
                {
                    Caption = 'Ship-to Country/Region Code';
                    Editable = false;
                }
                field(shipToPostCode; Rec."Ship-to Post Code") // Code[20]
                {
                    Caption = 'Ship-to Post Code';
                    Editable = false;
                }
                field(shipToCounty; Rec."Ship-to County") // Text[30]
                {
                    Caption = 'Ship-to County';
                    Editable = false;
                }
                field(amount; Rec.Amount) // Decimal
                {
                    Caption = 'Amount';
                    Editable = false;
                }
                field(amountIncludingVAT; Rec."Amount Including VAT") // Decimal
                {
                    Caption = 'Amount Including VAT';
                    Editable = false;
                }
                field(invoiceDiscountAmount; Rec."Invoice Discount Amount") // Decimal
                {
                    Caption = 'Invoice Discount Amount';
                    Editable = false;
                }
                field(prepaymentPercent; Rec."Prepayment %") // Decimal
                {
                    Caption = 'Prepayment %';
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
        LastShipmentDate: Date;

    trigger OnAfterGetRecord()
    var
        SalesShipmentHeader: Record "Sales Shipment Header";
    begin
        // The posting date of the order's latest shipment (Dynamics 365 Sales: date fulfilled).
        // Amount and Amount Including VAT are FlowFields over the lines.
        Rec.CalcFields(Amount, "Amount Including VAT");
        Clear(LastShipmentDate);
        if Rec."Document Type" <> Rec."Document Type"::Order then
            exit;
        SalesShipmentHeader.SetCurrentKey("Order No.");
        SalesShipmentHeader.SetRange("Order No.", Rec."No.");
        SalesShipmentHeader.SetLoadFields("Posting Date");
        if SalesShipmentHeader.FindSet() then
            repeat
                if SalesShipmentHeader."Posting Date" > LastShipmentDate then
                    LastShipmentDate := SalesShipmentHeader."Posting Date";
            until SalesShipmentHeader.Next() = 0;
    end;

    [ServiceEnabled]
    [Scope('Cloud')]
    procedure Release(var ActionContext: WebServiceActionContext)
    var
        ReleaseSalesDocument: Codeunit "Release Sales Document";
    begin
        ReleaseSalesDocument.PerformManualRelease(Rec);
        SetUpdated(ActionContext);
    end;

    [ServiceEnabled]
    [Scope('Cloud')]
    procedure Reopen(var ActionContext: WebServiceActionContext)
    var
        ReleaseSalesDocument: Codeunit "Release Sales Document";
    begin
        ReleaseSalesDocument.PerformManualReopen(Rec);
        SetUpdated(ActionContext);
    end;

    [ServiceEnabled]
    [Scope('Cloud')]
    procedure Archive(var ActionContext: WebServiceActionContext)
    var
        ArchiveManagement: Codeunit ArchiveManagement;
    begin
        ArchiveManagement.StoreSalesDocument(Rec, false);
        SetUpdated(ActionContext);
    end;

    local procedure SetUpdated(var ActionContext: WebServiceActionContext)
    begin
        ActionContext.SetObjectType(ObjectType::Page);
        ActionContext.SetObjectId(Page::"BCS Sales Headers API");
        ActionContext.AddEntityKey(Rec.FieldNo(SystemId), Rec.SystemId);
        ActionContext.SetResultCode(WebServiceActionResultCode::Updated);
    end;
}
