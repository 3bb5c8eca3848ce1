/**
 * Metadata the integration reads and writes: entity and attribute definitions (option sets of
 * choice columns, string lengths), the option-set actions BC's option mappings use
 * (InsertOptionValue, UpdateOptionValue, DeleteOptionValue), and a CSDL `$metadata` document.
 */
import type { Organization } from './org.js';
import type { ColumnDef, TableDef } from './schema.js';
import { readName } from './schema.js';
import type { OptionEntry, OptionSetEntry, LocalizedLabel } from './optionsets.js';
import { DEFAULT_LANGUAGE } from './optionsets.js';
import { DvCodes, DvError, badRequest, segmentNotFound } from './errors.js';
import { edmType } from './values.js';
import { parseExpand, parseSelect } from '../core/odata-query.js';
import type { ExpandItem } from '../core/odata-query.js';

const NS = 'Microsoft.Dynamics.CRM';

const ATTRIBUTE_TYPES: Record<string, { attributeType: string; metadataType: string }> = {
  key: { attributeType: 'Uniqueidentifier', metadataType: 'AttributeMetadata' },
  string: { attributeType: 'String', metadataType: 'StringAttributeMetadata' },
  memo: { attributeType: 'Memo', metadataType: 'MemoAttributeMetadata' },
  integer: { attributeType: 'Integer', metadataType: 'IntegerAttributeMetadata' },
  bigint: { attributeType: 'BigInt', metadataType: 'BigIntAttributeMetadata' },
  decimal: { attributeType: 'Decimal', metadataType: 'DecimalAttributeMetadata' },
  double: { attributeType: 'Double', metadataType: 'DoubleAttributeMetadata' },
  money: { attributeType: 'Money', metadataType: 'MoneyAttributeMetadata' },
  boolean: { attributeType: 'Boolean', metadataType: 'BooleanAttributeMetadata' },
  datetime: { attributeType: 'DateTime', metadataType: 'DateTimeAttributeMetadata' },
  dateonly: { attributeType: 'DateTime', metadataType: 'DateTimeAttributeMetadata' },
  picklist: { attributeType: 'Picklist', metadataType: 'PicklistAttributeMetadata' },
  state: { attributeType: 'State', metadataType: 'StateAttributeMetadata' },
  status: { attributeType: 'Status', metadataType: 'StatusAttributeMetadata' },
  lookup: { attributeType: 'Lookup', metadataType: 'LookupAttributeMetadata' },
  uniqueidentifier: { attributeType: 'Uniqueidentifier', metadataType: 'AttributeMetadata' },
  entityname: { attributeType: 'EntityName', metadataType: 'EntityNameAttributeMetadata' },
};

/** Metadata ids must stay stable between calls: derived from the names. */
function stableId(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ text.charCodeAt(i), 0x5bd1e995) >>> 0;
  }
  const hex = (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function labelJson(labels: LocalizedLabel[], managed: boolean, idSeed: string): Record<string, unknown> {
  const localized = labels.map((l) => ({
    Label: l.label,
    LanguageCode: l.languageCode,
    IsManaged: managed,
    MetadataId: stableId(`${idSeed}|${l.languageCode}`),
    HasChanged: null,
  }));
  return { LocalizedLabels: localized, UserLocalizedLabel: localized.find((l) => l.LanguageCode === DEFAULT_LANGUAGE) ?? localized[0] ?? null };
}

function optionJson(set: OptionSetEntry, o: OptionEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Value: o.value,
    Color: null,
    IsManaged: o.isManaged,
    ExternalValue: null,
    ParentValues: [],
    MetadataId: null,
    HasChanged: null,
    Label: labelJson(o.labels, o.isManaged, `${set.name}|${o.value}`),
    Description: { LocalizedLabels: [], UserLocalizedLabel: null },
  };
  if (o.state !== undefined) out['State'] = o.state;
  return out;
}

function optionSetJson(set: OptionSetEntry, select: string[] | undefined): Record<string, unknown> {
  const full: Record<string, unknown> = {
    MetadataId: set.metadataId,
    Name: set.name,
    IsGlobal: false,
    IsCustomOptionSet: false,
    OptionSetType: set.kind === 'picklist' ? 'Picklist' : set.kind === 'state' ? 'State' : 'Status',
    Options: set.options.map((o) => optionJson(set, o)),
  };
  if (!select) return full;
  const out: Record<string, unknown> = { MetadataId: set.metadataId };
  for (const s of select) if (s in full) out[s] = full[s];
  return out;
}

function attributeJson(org: Organization, table: TableDef, c: ColumnDef): Record<string, unknown> {
  const t = ATTRIBUTE_TYPES[c.type]!;
  const out: Record<string, unknown> = {
    '@odata.type': `#${NS}.${t.metadataType}`,
    LogicalName: c.name,
    SchemaName: c.name,
    EntityLogicalName: table.logicalName,
    MetadataId: stableId(`${table.logicalName}.${c.name}`),
    AttributeType: t.attributeType,
    IsPrimaryId: c.type === 'key',
    IsPrimaryName: c.name === table.primaryName,
    IsValidForCreate: !c.readOnly && !c.updateOnly,
    IsValidForUpdate: !c.readOnly && !c.createOnly && c.type !== 'key',
    IsValidForRead: true,
    RequiredLevel: { Value: c.required ? 'SystemRequired' : 'None', CanBeChanged: false, ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings' },
  };
  if (c.maxLength !== undefined) out['MaxLength'] = c.maxLength;
  if (c.min !== undefined) out['MinValue'] = c.min;
  if (c.max !== undefined) out['MaxValue'] = c.max;
  if (c.type === 'dateonly') out['Format'] = 'DateOnly';
  if (c.type === 'lookup') out['Targets'] = (c.targets ?? []).map((x) => org.table(x.entitySet).logicalName);
  if (c.defaultValue !== undefined && (c.type === 'picklist' || c.type === 'state' || c.type === 'status')) out['DefaultFormValue'] = c.defaultValue;
  return out;
}

function entityJson(table: TableDef): Record<string, unknown> {
  return {
    MetadataId: stableId(table.logicalName),
    LogicalName: table.logicalName,
    SchemaName: table.logicalName,
    EntitySetName: table.entitySet,
    LogicalCollectionName: table.entitySet,
    PrimaryIdAttribute: table.key,
    PrimaryNameAttribute: table.primaryName,
    OwnershipType: table.ownership === 'user' ? 'UserOwned' : table.ownership === 'business' ? 'BusinessOwned' : table.ownership === 'organization' ? 'OrganizationOwned' : 'None',
    ChangeTrackingEnabled: true,
    IsCustomEntity: table.logicalName.includes('_'),
  };
}

function selectProps(obj: Record<string, unknown>, select: string[] | undefined, keep: string[]): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) if (k.startsWith('@') || keep.includes(k) || select.includes(k)) out[k] = obj[k];
  return out;
}

/** `Name='value'` or a bare GUID inside a key segment. */
function keyArg(args: string, name: string): string | undefined {
  const m = new RegExp(`^\\s*${name}\\s*=\\s*'([^']*)'\\s*$`).exec(args);
  return m ? m[1] : undefined;
}

export interface PathSegment {
  name: string;
  args?: string;
}

/** GET EntityDefinitions[...]. Returns the JSON body. */
export function entityDefinitions(org: Organization, baseUrl: string, segments: PathSegment[], query: URLSearchParams): Record<string, unknown> {
  let select: string[] | undefined;
  let expand: ExpandItem[];
  try {
    select = parseSelect(query.get('$select'));
    expand = parseExpand(query.get('$expand'));
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  const [first, second, third, fourth] = segments;
  if (!first!.args) {
    if (second) throw segmentNotFound(second.name);
    return {
      '@odata.context': `${baseUrl}/$metadata#EntityDefinitions`,
      value: [...org.schema.bySet.values()].map((t) => selectProps(entityJson(t), select, ['MetadataId'])),
    };
  }
  const logical = keyArg(first!.args, 'LogicalName');
  const table = logical
    ? org.schema.byLogical.get(logical)
    : [...org.schema.bySet.values()].find((t) => stableId(t.logicalName) === first!.args!.trim().toLowerCase());
  if (!table) throw new DvError(404, DvCodes.objectDoesNotExist, `Could not find entity with name '${logical ?? first!.args}'.`);
  if (!second) {
    return { '@odata.context': `${baseUrl}/$metadata#EntityDefinitions/$entity`, ...selectProps(entityJson(table), select, ['MetadataId']) };
  }
  if (second.name !== 'Attributes') throw segmentNotFound(second.name);
  const castOf = (seg: PathSegment | undefined): string | undefined => {
    if (!seg) return undefined;
    if (!seg.name.startsWith(`${NS}.`) || seg.args) throw segmentNotFound(seg.name);
    return seg.name.slice(NS.length + 1);
  };
  if (!second.args) {
    const cast = castOf(third);
    if (fourth) throw segmentNotFound(fourth.name);
    const columns = [...table.columns.values()].filter((c) => !cast || ATTRIBUTE_TYPES[c.type]!.metadataType === cast);
    return {
      '@odata.context': `${baseUrl}/$metadata#EntityDefinitions('${table.logicalName}')/Attributes${cast ? `/${NS}.${cast}` : ''}`,
      value: columns.map((c) => withOptionSet(org, table, c, selectProps(attributeJson(org, table, c), select, ['MetadataId']), expand)),
    };
  }
  const attrName = keyArg(second.args, 'LogicalName');
  const column = attrName ? table.columns.get(attrName) : undefined;
  if (!column) throw new DvError(404, DvCodes.objectDoesNotExist, `Could not find attribute '${attrName ?? second.args}' on entity '${table.logicalName}'.`);
  const cast = castOf(third);
  if (fourth) throw segmentNotFound(fourth.name);
  if (cast && ATTRIBUTE_TYPES[column.type]!.metadataType !== cast) {
    throw badRequest(`The attribute '${column.name}' of '${table.logicalName}' is a ${ATTRIBUTE_TYPES[column.type]!.metadataType}, not a ${cast}.`);
  }
  const body = withOptionSet(org, table, column, selectProps(attributeJson(org, table, column), select, ['MetadataId']), expand);
  return {
    '@odata.context': `${baseUrl}/$metadata#EntityDefinitions('${table.logicalName}')/Attributes${cast ? `/${NS}.${cast}` : ''}/$entity`,
    ...body,
  };
}

function withOptionSet(org: Organization, table: TableDef, c: ColumnDef, body: Record<string, unknown>, expand: ExpandItem[]): Record<string, unknown> {
  for (const item of expand) {
    if (item.name !== 'OptionSet' && item.name !== 'GlobalOptionSet') {
      throw badRequest(`Could not find a navigation property named '${item.name}' on the attribute metadata.`);
    }
    if (item.name === 'GlobalOptionSet') {
      body['GlobalOptionSet'] = null; // every choice here has a local option set
      continue;
    }
    const set = org.options.get(table.logicalName, c.name);
    body['OptionSet'] = set ? optionSetJson(set, item.select) : null;
  }
  return body;
}

export function globalOptionSetDefinitions(name: string): never {
  throw new DvError(404, DvCodes.objectDoesNotExist, `Could not find optionset with name '${name}'. The choices of this organization are local to their columns; address them through EntityDefinitions.`);
}

// ---------------------------------------------------------------------------------------------
// Actions

function readLabels(body: Record<string, unknown>, field: string): LocalizedLabel[] {
  const label = body[field];
  const list = label && typeof label === 'object' ? (label as Record<string, unknown>)['LocalizedLabels'] : undefined;
  if (!Array.isArray(list) || list.length === 0) throw badRequest(`${field}.LocalizedLabels must list at least one { Label, LanguageCode }.`);
  return list.map((l) => {
    const entry = l as Record<string, unknown>;
    if (typeof entry['Label'] !== 'string' || typeof entry['LanguageCode'] !== 'number') {
      throw badRequest(`Each entry of ${field}.LocalizedLabels needs a string Label and a numeric LanguageCode.`);
    }
    return { label: entry['Label'], languageCode: entry['LanguageCode'] };
  });
}

function optionTarget(org: Organization, body: Record<string, unknown>): { logical: string; attribute: string } {
  if (typeof body['OptionSetName'] === 'string') globalOptionSetDefinitions(body['OptionSetName']);
  const logical = body['EntityLogicalName'];
  const attribute = body['AttributeLogicalName'];
  if (typeof logical !== 'string' || typeof attribute !== 'string') {
    throw badRequest('Give EntityLogicalName and AttributeLogicalName (or OptionSetName for a global choice).');
  }
  const table = org.schema.byLogical.get(logical);
  if (!table) throw new DvError(404, DvCodes.objectDoesNotExist, `Could not find entity with name '${logical}'.`);
  const c = table.columns.get(attribute);
  if (!c) throw new DvError(404, DvCodes.objectDoesNotExist, `Could not find attribute '${attribute}' on entity '${logical}'.`);
  if (c.type !== 'picklist') throw badRequest(`The attribute '${attribute}' of '${logical}' is not a choice column; options can only be changed on choice columns.`);
  return { logical, attribute };
}

export function insertOptionValue(org: Organization, baseUrl: string, body: Record<string, unknown>): Record<string, unknown> {
  const { logical, attribute } = optionTarget(org, body);
  const labels = readLabels(body, 'Label');
  const value = body['Value'];
  if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isInteger(value))) throw badRequest('Value must be an integer.');
  let newValue: number;
  try {
    newValue = org.options.insert(logical, attribute, typeof value === 'number' ? value : undefined, labels, org.ids.next());
  } catch (err) {
    throw new DvError(400, DvCodes.duplicateRecord, (err as Error).message);
  }
  return { '@odata.context': `${baseUrl}/$metadata#${NS}.InsertOptionValueResponse`, NewOptionValue: newValue };
}

export function updateOptionValue(org: Organization, body: Record<string, unknown>): void {
  const { logical, attribute } = optionTarget(org, body);
  const value = body['Value'];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badRequest('Value must be the integer value of the option to change.');
  const labels = readLabels(body, 'Label');
  try {
    org.options.update(logical, attribute, value, labels, body['MergeLabels'] === true);
  } catch (err) {
    throw new DvError(404, DvCodes.objectDoesNotExist, (err as Error).message);
  }
}

export function deleteOptionValue(org: Organization, body: Record<string, unknown>): void {
  const { logical, attribute } = optionTarget(org, body);
  const value = body['Value'];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badRequest('Value must be the integer value of the option to delete.');
  try {
    org.options.remove(logical, attribute, value);
  } catch (err) {
    throw new DvError(404, DvCodes.objectDoesNotExist, (err as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------
// $metadata

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A CSDL document describing the emulated tables (properties, keys, navigation properties, entity sets). */
export function csdl(org: Organization): string {
  const parts: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '<edmx:DataServices>',
    `<Schema Namespace="${NS}" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
  ];
  for (const table of org.schema.bySet.values()) {
    parts.push(`<EntityType Name="${table.logicalName}"><Key><PropertyRef Name="${table.key}" /></Key>`);
    for (const c of table.columns.values()) {
      const maxLength = c.maxLength !== undefined && c.type !== 'memo' ? ` MaxLength="${c.maxLength}"` : '';
      parts.push(`<Property Name="${xml(readName(c))}" Type="${edmType(c)}"${maxLength} />`);
    }
    for (const [nav, info] of table.navs) {
      parts.push(`<NavigationProperty Name="${xml(nav)}" Type="mscrm.${org.table(info.entitySet).logicalName}" />`);
    }
    for (const [nav, info] of table.collections) {
      parts.push(`<NavigationProperty Name="${xml(nav)}" Type="Collection(mscrm.${org.table(info.entitySet).logicalName})" />`);
    }
    parts.push('</EntityType>');
  }
  parts.push('<EntityContainer Name="System">');
  for (const table of org.schema.bySet.values()) {
    parts.push(`<EntitySet Name="${table.entitySet}" EntityType="mscrm.${table.logicalName}">`);
    parts.push('<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="true" /></Record></Annotation>');
    parts.push('</EntitySet>');
  }
  parts.push('</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>');
  return parts.join('');
}
