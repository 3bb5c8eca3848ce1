/**
 * OPPORTUNITY (docs/integration.md §2.1, §2.2, §2.3). API v2.0 `opportunities`: the estimated fields are read-only there.
 */
import { field, notInV2, ownerFields, tableMapping } from '../build.js';
import type { IntegrationOptions } from '../integration-options.js';
import type { FieldMapping, IntegrationTableMapping } from '../types.js';

export function opportunityMapping(options: IntegrationOptions): IntegrationTableMapping {
  const set = 'opportunities';
  const fields: FieldMapping[] = [
    field({ id: 'name', bcField: 'Description', bc: 'description', dataverse: 'name', direction: 'bidirectional', bcMaxLength: 100, dataverseMaxLength: 300 }),
    field({
      id: 'contact',
      bcField: 'Contact No.',
      bc: 'contactNumber',
      dataverse: 'parentcontactid',
      direction: 'to-dataverse',
      transform: { kind: 'lookup', mapping: 'CONTACT', key: { bcProperty: 'number' }, target: 'contacts', navigation: 'parentcontactid' },
      bcType: 'code',
    }),
    field({
      id: 'account',
      bcField: 'Contact Company No.',
      dataverse: 'parentaccountid',
      direction: 'to-dataverse',
      transform: { kind: 'lookup', mapping: 'CUSTOMER', key: { bcProperty: 'number' }, target: 'accounts', navigation: 'parentaccountid' },
      bcType: 'code',
      unavailable: notInV2(set, 'Contact Company No.', 'only contactCompanyName is exposed'),
      notes: "BC resolves it as the account coupled to the customer related to the contact's company",
    }),
    ...(options.ownershipModel === 'person' ? ownerFields(set, 'Salesperson Code', 'salespersonCode') : []),
    field({
      id: 'estimatedValue',
      bcField: 'Estimated Value (LCY)',
      bc: 'estimatedValue',
      dataverse: 'estimatedvalue',
      direction: 'to-dataverse',
      bcType: 'decimal',
      bcReadOnly: true,
    }),
    field({
      id: 'estimatedClosingDate',
      bcField: 'Estimated Closing Date',
      bc: 'estimatedClosingDate',
      dataverse: 'estimatedclosedate',
      direction: 'to-dataverse',
      bcType: 'date',
      bcReadOnly: true,
    }),
    // docs/integration.md §2.3 extras, added disabled.
    field({
      id: 'dateClosed',
      bcField: 'Date Closed',
      bc: 'dateClosed',
      dataverse: 'actualclosedate',
      direction: 'to-dataverse',
      origin: 'extra',
      bcType: 'date',
      bcReadOnly: true,
    }),
    field({
      id: 'probability',
      bcField: 'Probability %',
      dataverse: 'closeprobability',
      direction: 'to-dataverse',
      origin: 'extra',
      bcType: 'decimal',
      unavailable: notInV2(set, 'Probability %'),
    }),
    field({
      id: 'currentValue',
      bcField: 'Calcd. Current Value (LCY)',
      bc: 'calculatedCurrentValue',
      dataverse: 'actualvalue',
      direction: 'to-dataverse',
      origin: 'extra',
      bcType: 'decimal',
      bcReadOnly: true,
    }),
  ];
  return tableMapping({
    name: 'OPPORTUNITY',
    bc: {
      api: 'v2.0',
      entitySet: set,
      table: 'Opportunity (5092)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'number',
      nameField: 'description',
      filter: [{ field: 'status', op: 'in', value: ['Not Started', 'In Progress'] }],
      properties: [
        'id', 'number', 'contactNumber', 'contactName', 'contactCompanyName', 'salespersonCode', 'description', 'status',
        'closed', 'creationDate', 'dateClosed', 'calculatedCurrentValue', 'chancesOfSuccessPrc', 'completedPrc',
        'estimatedClosingDate', 'estimatedValue', 'systemCreatedAt', 'lastModifiedDateTime',
      ],
    },
    dataverse: {
      table: 'opportunity',
      entitySet: 'opportunities',
      key: 'opportunityid',
      modifiedField: 'modifiedon',
      nameField: 'name',
      filter: [],
      companyFilter: true,
      companyIdStamp: 'always',
      ownerTeamOnInsert: options.ownershipModel === 'team',
    },
    direction: 'bidirectional',
    synchOnlyCoupledRecords: false,
    dependencies: ['CONTACT'],
    // BC creates no recurring job for opportunities.
    schedule: undefined,
    fields,
    notes:
      options.ownershipModel === 'team'
        ? ['Team ownership: opportunities whose contact is not a person with a company related to a customer or vendor are ignored.']
        : [],
  });
}
