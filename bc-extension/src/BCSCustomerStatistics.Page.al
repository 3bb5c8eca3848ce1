// The figures of "Business Central Account Statistics" in Dynamics 365 Sales, in LCY.
page 50116 "BCS Customer Statistics API"
{
    PageType = API;
    APIPublisher = 'bcsync';
    APIGroup = 'integration';
    APIVersion = 'v1.0';
    EntityName = 'customerStatistic';
    EntitySetName = 'customerStatistics';
    EntityCaption = 'Customer Statistics';
    EntitySetCaption = 'Customer Statistics';
    SourceTable = Customer;
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
                field(number; Rec."No.") // Code[20]
                {
                    Caption = 'No.';
                    Editable = false;
                }
                field(balance; Rec."Balance (LCY)") // Decimal
                {
                    Caption = 'Balance (LCY)';
                    Editable = false;
                }
                field(outstandingOrders; Rec."Outstanding Orders (LCY)") // Decimal
                {
                    Caption = 'Outstanding Orders (LCY)';
                    Editable = false;
                }
                field(shippedNotInvoiced; Rec."Shipped Not Invoiced (LCY)") // Decimal
                {
                    Caption = 'Shipped Not Invoiced (LCY)';
                    Editable = false;
                }
                field(outstandingInvoices; Rec."Outstanding Invoices (LCY)") // Decimal
                {
                    Caption = 'Outstanding Invoices (LCY)';
                    Editable = false;
                }
                field(totalAmount; TotalAmount) // Decimal
                {
                    Caption = 'Total (LCY)';
                    Editable = false;
                }
                field(creditLimit; Rec."Credit Limit (LCY)") // Decimal
                {
                    Caption = 'Credit Limit (LCY)';
                    Editable = false;
                }
                field(overdueAmount; OverdueAmount) // Decimal
                {
                    Caption = 'Overdue Amounts (LCY)';
                    Editable = false;
                }
                field(overdueAsOfDate; OverdueAsOfDate) // Date
                {
                    Caption = 'Overdue Amounts as of Date';
                    Editable = false;
                }
                field(totalSales; Rec."Sales (LCY)") // Decimal
                {
                    Caption = 'Total Sales (LCY)';
                    Editable = false;
                }
                field(invoicedPrepayments; InvoicedPrepayments) // Decimal
                {
                    Caption = 'Invoiced Prepayment Amount (LCY)';
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
        TotalAmount: Decimal;
        OverdueAmount: Decimal;
        OverdueAsOfDate: Date;
        InvoicedPrepayments: Decimal;

    trigger OnAfterGetRecord()
    begin
        Rec.CalcFields("Balance (LCY)", "Outstanding Orders (LCY)", "Shipped Not Invoiced (LCY)", "Outstanding Invoices (LCY)", "Sales (LCY)");
        TotalAmount := Rec."Balance (LCY)" + Rec."Outstanding Orders (LCY)" + Rec."Shipped Not Invoiced (LCY)" + Rec."Outstanding Invoices (LCY)";
        OverdueAsOfDate := WorkDate();
        OverdueAmount := Rec.CalcOverdueBalance();
        InvoicedPrepayments := Rec.GetInvoicedPrepmtAmountLCY();
    end;
}
