export { convertDocument, externalDocumentNumber, splitText, DESCRIPTION_LENGTH, FREIGHT_DESCRIPTION, LINE_NUMBER_STEP, REFERENCE_LENGTH } from './convert.js';
export { MAPPINGS, headerTable, readDocuments, readLines, readLookups, readSalesSetup, toDocument } from './read.js';
export type { ConversionLookups, CouplingLookup, CoupledCustomer, DataverseCustomer, DataverseProduct, LookupSources, SalesSetup } from './read.js';
export { ORDER_TABLES, QUOTE_TABLES } from './types.js';
export type { BcAddress, BcDocument, BcDocumentLine, BcLineType, ConversionError, DataverseAddress, DataverseDocument, DataverseDocumentLine, DocumentKind, DocumentTables } from './types.js';
