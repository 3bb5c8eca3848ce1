// The bench's peer: what a person would write instead of bcsync, a stateless script that copies Business Central
// customers to Dataverse accounts with dynamics-web-api (https://github.com/AleksandrRogov/DynamicsWebApi).
//   --mode batch       (the peer) executeBatch, 1,000 creates per changeset, 16 batches in flight, BC pages
//                      read while earlier ones are written
//   --mode per-record  (the per-record baseline) one upsert per record, 16 in flight, for the first --limit records
// Connection details come from the environment (BENCH_CONNECTION: JSON with URLs and credentials), never argv.
// Prints one JSON line: { records, requests: { bc, dataverse }, retries }.
import { parseArgs } from 'node:util';
import { DynamicsWebApi } from 'dynamics-web-api';
import { request } from 'undici';

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'batch' },
    limit: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '16' },
    'batch-size': { type: 'string', default: '1000' },
  },
});
const conn = JSON.parse(process.env.BENCH_CONNECTION ?? '{}');
const secret = conn.clientSecret;
const limit = Number(args.limit);
const concurrency = Number(args.concurrency);
const batchSize = Number(args['batch-size']);
const counts = { bc: 0, dataverse: 0, retries: 0 };

async function token(scope) {
  const res = await request(conn.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: conn.clientId, client_secret: secret, scope }).toString(),
  });
  const body = await res.body.json();
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${JSON.stringify(body)}`);
  return body.access_token;
}
const bcToken = await token('https://api.businesscentral.dynamics.com/.default');
const dvToken = await token(`${conn.dataverseOrgUrl}/.default`);

/** Waits for Retry-After on 429/503 and tries again, as any script that survives service protection must. */
async function withRetry(fn) {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const status = err?.status;
      if (status !== 429 && status !== 503) throw err;
      const after = Number(err?.headers?.['retry-after'] ?? err?.headers?.['Retry-After'] ?? 1);
      counts.retries += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, after) * 1000));
    }
  }
}

const select = 'id,number,displayName,addressLine1,addressLine2,city,state,country,postalCode,phoneNumber,email,website';
/** BC customers page by page, following @odata.nextLink. */
async function* customerPages() {
  let url = `${conn.bcUrl}/companies(${conn.companyId})/customers?$select=${select}`;
  let seen = 0;
  while (url) {
    const res = await request(url, { headers: { authorization: `Bearer ${bcToken}`, accept: 'application/json' } });
    counts.bc += 1;
    const body = await res.body.json();
    if (res.statusCode !== 200) throw new Error(`BC read: ${res.statusCode} ${JSON.stringify(body).slice(0, 300)}`);
    let rows = body.value;
    if (limit > 0 && seen + rows.length >= limit) {
      rows = rows.slice(0, limit - seen);
      url = undefined;
    } else {
      url = body['@odata.nextLink'];
    }
    seen += rows.length;
    yield rows;
  }
}

const account = (c) => ({
  name: c.displayName,
  accountnumber: c.number,
  address1_line1: c.addressLine1,
  address1_line2: c.addressLine2,
  address1_city: c.city,
  address1_stateorprovince: c.state,
  address1_country: c.country,
  address1_postalcode: c.postalCode,
  telephone1: c.phoneNumber,
  emailaddress1: c.email,
  websiteurl: c.website,
});

const config = { serverUrl: conn.dataverseOrgUrl, dataApi: { version: '9.2' }, onTokenRefresh: async () => dvToken };
let records = 0;

// Workers take jobs as the reader produces them.
const jobs = [];
let readerDone = false;
const idle = [];
const nextJob = async () => {
  for (;;) {
    if (jobs.length) return jobs.shift();
    if (readerDone) return undefined;
    await new Promise((resolve) => idle.push(resolve));
  }
};
const push = (job) => {
  jobs.push(job);
  idle.shift()?.();
};

async function worker(run) {
  const api = new DynamicsWebApi(config);
  for (let job = await nextJob(); job; job = await nextJob()) await run(api, job);
}

const runBatch = async (api, rows) => {
  await withRetry(async () => {
    api.startBatch();
    for (const c of rows) api.create({ collection: 'accounts', data: account(c) });
    counts.dataverse += 1;
    await api.executeBatch();
  });
  records += rows.length;
};
const runOne = async (api, c) => {
  await withRetry(async () => {
    counts.dataverse += 1;
    await api.upsert({ collection: 'accounts', key: crypto.randomUUID(), data: account(c) });
  });
  records += 1;
};

const workers = Array.from({ length: concurrency }, () => worker(args.mode === 'batch' ? runBatch : runOne));
for await (const rows of customerPages()) {
  if (args.mode === 'batch') for (let i = 0; i < rows.length; i += batchSize) push(rows.slice(i, i + batchSize));
  else for (const c of rows) push(c);
}
readerDone = true;
for (const resolve of idle.splice(0)) resolve();
await Promise.all(workers);
process.stdout.write(JSON.stringify({ records, requests: { bc: counts.bc, dataverse: counts.dataverse }, retries: counts.retries }) + '\n');
