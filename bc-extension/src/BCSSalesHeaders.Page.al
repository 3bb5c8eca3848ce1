// What API v2.0 lacks on quotes, orders and invoices (same ids as v2.0 salesQuotes/salesOrders/salesInvoices): Your Reference, Quote Valid Until, Quote No., Payment Discount %, Shipping Agent Code, status, release/reopen and archiving.
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
