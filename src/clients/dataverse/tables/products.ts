import { col } from '../../shape.js';
import { defineTable, type DataverseRow } from '../table.js';

/** Products (ITEM-PRODUCT / RESOURCE-PRODUCT mappings). */
export const products = defineTable({
  entitySet: 'products',
  logicalName: 'product',
  key: 'productid',
  columns: {
    name: col.text(),
    productnumber: col.text(),
    description: col.text(),
    _defaultuomscheduleid_value: col.ref(),
    _defaultuomid_value: col.ref(),
    quantitydecimal: col.int(),
    producttypecode: col.int(),
    productstructure: col.int(),
    price: col.number(),
    currentcost: col.number(),
    standardcost: col.number(),
    _pricelevelid_value: col.ref(),
    isstockitem: col.bool(),
    quantityonhand: col.number(),
    validfromdate: col.text(),
    validtodate: col.text(),
    _parentproductid_value: col.ref(),
    _transactioncurrencyid_value: col.ref(),
    _bcbi_companyid_value: col.ref(),
  },
  alwaysPresent: ['name'],
});

export type ProductsRow = DataverseRow<typeof products>;
