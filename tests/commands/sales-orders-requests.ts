/**
 * The requests `sales-orders create --all` sends on the demo sandbox after its full synchronization, as the
 * emulators log them (`<api> <method> <last path segment>`): shared by the command's test and the sync --all test.
 */

/** The reads of every waiting order and what they refer to: once per run, whatever the number of orders and lines. */
export const DEMO_CONVERSION_READS = [
  'dataverse GET salesorders',
  'dataverse GET salesorderdetails',
  'dataverse GET accounts',
  'dataverse GET contacts', // Priya Shah, a contact customer
  'bc GET customers',
  'dataverse GET products',
  'bc GET items',
  'dataverse GET uoms',
  'bc GET itemUnitsOfMeasure',
  'dataverse GET transactioncurrencies',
  'bc GET shippingAgents', // the code of Fourth Coffee's shipping agent
  'bc GET salesSetup', // write-in lines and freight
  'bc GET items', // the write-in item (must not be coupled)
  'dataverse GET annotations',
];

/** One order: the order with its lines (deep insert), the custom-API completion, the Sales order stamped. */
const ORDER = ['bc POST $batch', 'bc POST $batch', 'dataverse POST $batch'];

/** The writes of the four demo orders Business Central can create (Adatum's is refused before any write). */
export const DEMO_ORDER_WRITES = [
  ...ORDER, // ORD-01001
  ...ORDER, // ORD-01002
  // ORD-01004: plus the line numbers to attach its comment lines to, and its note
  'bc POST $batch',
  'bc GET salesLines',
  'bc POST $batch',
  'bc POST $batch',
  'dataverse POST $batch',
  ...ORDER, // ORD-01005
];
