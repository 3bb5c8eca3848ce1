import { describe, expect, test } from '@jest/globals';
import {
  BatchFormatError,
  boundaryOf,
  decodeJsonBatch,
  decodeMultipartBatch,
  encodeJsonBatch,
  encodeMultipartBatch,
  encodeMultipartBatchBytes,
  matchJsonResults,
  matchMultipartResults,
  type BatchOperation,
  type MultipartBatchItem,
} from '../../src/clients/odata/index.js';

const crlf = (lines: string[]): string => lines.join('\r\n');

describe('Dataverse multipart $batch encoding', () => {
  test('single operations and a changeset with Content-ID, as protocols.md §3.1 describes', () => {
    const items: MultipartBatchItem[] = [
      { method: 'POST', url: '/api/data/v9.2/tasks', body: { subject: 'Task 1' } },
      {
        changeset: [
          { method: 'POST', url: '/api/data/v9.2/contacts', body: { firstname: 'Jo' }, contentId: '1' },
          { method: 'POST', url: '/api/data/v9.2/accounts', body: { name: 'A', 'primarycontactid@odata.bind': '$1' }, contentId: '2' },
          { method: 'PATCH', url: '$1', body: { lastname: 'Doe' }, headers: { 'If-Match': '*' }, contentId: '3' },
        ],
      },
      { method: 'GET', url: '/api/data/v9.2/accounts?$select=name' },
    ];
    const encoded = encodeMultipartBatch(items, { boundary: 'batch_AAA', changesetBoundary: () => 'changeset_BBB' });
    expect(encoded.contentType).toBe('multipart/mixed; boundary="batch_AAA"');
    expect(encoded.body).toBe(
      crlf([
        '--batch_AAA',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        '',
        'POST /api/data/v9.2/tasks HTTP/1.1',
        'Content-Type: application/json; type=entry',
        '',
        '{"subject":"Task 1"}',
        '--batch_AAA',
        'Content-Type: multipart/mixed; boundary="changeset_BBB"',
        '',
        '--changeset_BBB',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 1',
        '',
        'POST /api/data/v9.2/contacts HTTP/1.1',
        'Content-Type: application/json; type=entry',
        '',
        '{"firstname":"Jo"}',
        '--changeset_BBB',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 2',
        '',
        'POST /api/data/v9.2/accounts HTTP/1.1',
        'Content-Type: application/json; type=entry',
        '',
        '{"name":"A","primarycontactid@odata.bind":"$1"}',
        '--changeset_BBB',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        'Content-ID: 3',
        '',
        'PATCH $1 HTTP/1.1',
        'If-Match: *',
        'Content-Type: application/json; type=entry',
        '',
        '{"lastname":"Doe"}',
        '--changeset_BBB--',
        '--batch_AAA',
        'Content-Type: application/http',
        'Content-Transfer-Encoding: binary',
        '',
        'GET /api/data/v9.2/accounts?$select=name HTTP/1.1',
        'Accept: application/json',
        '',
        '',
        '--batch_AAA--',
        '',
      ]),
    );
  });

  test('the encoder writes what the line-by-line description of the format gives, for every kind of part', () => {
    // The wire format spelled out line by line (as protocols.md §3.1 describes it), independent of how the encoder builds it.
    const reference = (items: MultipartBatchItem[], boundary: string, cs: string): string => {
      const part = (op: BatchOperation, b: string): string[] => {
        const headers = { ...op.headers };
        const names = Object.keys(headers).map((n) => n.toLowerCase());
        const body = op.body === undefined ? '' : typeof op.body === 'string' ? op.body : JSON.stringify(op.body);
        if (body !== '' && !names.includes('content-type')) headers['Content-Type'] = 'application/json; type=entry';
        if (op.method === 'GET' && !names.includes('accept')) headers['Accept'] = 'application/json';
        return [
          `--${b}`,
          'Content-Type: application/http',
          'Content-Transfer-Encoding: binary',
          ...(op.contentId !== undefined ? [`Content-ID: ${op.contentId}`] : []),
          '',
          `${op.method} ${op.url} HTTP/1.1`,
          ...Object.entries(headers).map(([n, v]) => `${n}: ${v}`),
          '',
          body,
        ];
      };
      const lines = items.flatMap((item) =>
        'changeset' in item
          ? [`--${boundary}`, `Content-Type: multipart/mixed; boundary="${cs}"`, '', ...item.changeset.flatMap((op) => part(op, cs)), `--${cs}--`]
          : part(item, boundary),
      );
      return crlf([...lines, `--${boundary}--`, '']);
    };
    const samples: MultipartBatchItem[][] = [
      [{ method: 'PATCH', url: '/api/data/v9.2/accounts(1)?$select=accountid', body: { name: 'Å "quoted"\nline', n: 1.5, x: null }, headers: { Prefer: 'return=representation', 'Content-Type': 'application/json', 'If-Match': 'W/"12"' } }],
      [{ method: 'GET', url: '/api/data/v9.2/accounts', headers: { ACCEPT: 'text/plain' } }, { method: 'GET', url: '/x' }],
      [{ method: 'DELETE', url: '/api/data/v9.2/accounts(2)', headers: { 'if-match': '*' } }, { method: 'POST', url: '/y', body: 'raw text' }],
      [{ method: 'POST', url: '/z', body: {}, headers: { 'content-TYPE': 'application/json' } }],
      [
        { method: 'POST', url: '/a', body: { a: 1 } },
        { changeset: [{ method: 'POST', url: '/c', body: { b: [1, 2] }, contentId: '1' }, { method: 'PATCH', url: '$1', body: { c: true }, contentId: '2', headers: { 'If-Match': '*' } }] },
        { changeset: [{ method: 'DELETE', url: '/d' }] },
        { method: 'GET', url: '/e' },
      ],
    ];
    // Operations sharing a frozen headers object (a batch's creates): the encoder makes their lines once; each
    // operation still carries them, whatever other headers come in between, in this batch and the next.
    const shared = Object.freeze({ Prefer: 'return=representation', 'Content-Type': 'application/json' });
    const sharedGet = Object.freeze({ Accept: 'text/plain' });
    samples.push(
      [
        { method: 'PATCH', url: '/a(1)', body: { a: 1 }, headers: shared },
        { method: 'PATCH', url: '/a(2)', body: { a: 2 }, headers: shared },
        { method: 'GET', url: '/a(3)', headers: sharedGet },
        { method: 'PATCH', url: '/a(4)', body: { a: 4 }, headers: { ...shared, 'If-Match': 'W/"4"' } },
        { method: 'PATCH', url: '/a(5)', body: { a: 5 }, headers: shared },
        { method: 'GET', url: '/a(6)', headers: sharedGet },
      ],
      [{ method: 'PATCH', url: '/b(1)', body: { b: 1 }, headers: shared }, { method: 'POST', url: '/b', body: { b: 2 } }],
    );
    for (const items of samples) {
      const encoded = encodeMultipartBatch(items, { boundary: 'batch_X', changesetBoundary: () => 'changeset_Y' });
      expect(encoded.body).toBe(reference(items, 'batch_X', 'changeset_Y'));
    }
    // A headers object that is not frozen may change between two operations: each is read as it is then.
    const changing: Record<string, string> = { 'If-Match': 'W/"1"' };
    const first = encodeMultipartBatch([{ method: 'DELETE', url: '/c(1)', headers: changing }], { boundary: 'batch_X' }).body;
    changing['If-Match'] = 'W/"2"';
    const second = encodeMultipartBatch([{ method: 'DELETE', url: '/c(1)', headers: changing }], { boundary: 'batch_X' }).body;
    expect(first).toContain('If-Match: W/"1"');
    expect(second).toContain('If-Match: W/"2"');
  });

  test('GET inside a changeset, duplicate Content-IDs and empty batches are refused before sending', () => {
    expect(() => encodeMultipartBatch([{ changeset: [{ method: 'GET', url: '/x' }] }])).toThrow(BatchFormatError);
    expect(() =>
      encodeMultipartBatch([
        { changeset: [{ method: 'POST', url: '/x', contentId: '1' }, { method: 'POST', url: '/y', contentId: '1' }] },
      ]),
    ).toThrow(/used twice/);
    expect(() => encodeMultipartBatch([])).toThrow(/at least one/);
    expect(() => encodeMultipartBatch([{ method: 'POST', url: '/x', contentId: '1' }])).toThrow(/only meaningful inside a changeset/);
  });
});

describe('Dataverse multipart $batch encoding as bytes', () => {
  // The reference: the text of the batch encoded to UTF-8 in one go, as the wire format is defined.
  const asText = (items: MultipartBatchItem[]): string => encodeMultipartBatch(items, { boundary: 'batch_T', changesetBoundary: (i) => `changeset_${i}` }).body;
  const asBytes = (items: MultipartBatchItem[]): Buffer =>
    encodeMultipartBatchBytes(items, { boundary: 'batch_T', changesetBoundary: (i) => `changeset_${i}` }).body;

  test('CR LF inside values, every kind of Unicode, empty and text bodies: the bytes are the UTF-8 of the text', () => {
    const items: MultipartBatchItem[] = [
      { method: 'PATCH', url: '/api/data/v9.2/accounts(1)', body: { name: 'line 1\r\nline 2\n--batch_T\r\n', description: 'tab\there "quoted" \\ back' } },
      { method: 'POST', url: '/api/data/v9.2/accounts', body: { name: 'Åsa Øster Müller', city: 'Zürich €', cjk: '東京都', emoji: '😀 👩‍👩‍👧', rtl: 'مرحبا' } },
      { method: 'POST', url: '/api/data/v9.2/notes', body: { lone: 'half \ud83d pair', swapped: '\ude00\ud83d' } },
      { method: 'POST', url: '/api/data/v9.2/tasks', body: {} },
      { method: 'POST', url: '/api/data/v9.2/tasks', body: '' },
      { method: 'POST', url: '/api/data/v9.2/tasks', body: 'raw ünïcode text\r\n' },
      { method: 'DELETE', url: '/api/data/v9.2/accounts(2)', headers: { 'If-Match': '*' } },
      { changeset: [{ method: 'PATCH', url: '/api/data/v9.2/accounts(3)', body: { name: 'ß' }, contentId: '1' }, { method: 'DELETE', url: '$1', contentId: '2' }] },
      { method: 'GET', url: "/api/data/v9.2/accounts?$filter=name eq 'Ä'" },
    ];
    const bytes = asBytes(items);
    expect(bytes.equals(Buffer.from(asText(items), 'utf8'))).toBe(true);
    // Values keep their own line breaks and characters; the parts are still found by their delimiters.
    const text = bytes.toString('utf8');
    expect(text).toContain('{"name":"line 1\\r\\nline 2\\n--batch_T\\r\\n"');
    expect(text).toContain('😀 👩‍👩‍👧');
    expect(text).toContain('"lone":"half \\ud83d pair"');
    expect(text.split('\r\n--batch_T\r\n')).toHaveLength(items.length);
  });

  test('a batch larger than the encoder\'s buffer, and a small one after it, are whole', () => {
    const big: MultipartBatchItem[] = Array.from({ length: 1000 }, (_, i) => ({
      method: 'PATCH' as const,
      url: `/api/data/v9.2/accounts(${i})`,
      body: { name: `${'ü'.repeat(900)} ${i}`, description: '€'.repeat(700) },
      headers: { 'If-Match': '*' },
    }));
    const bytes = asBytes(big);
    expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(bytes.equals(Buffer.from(asText(big), 'utf8'))).toBe(true);
    const small: MultipartBatchItem[] = [{ method: 'POST', url: '/x', body: { a: 1 } }];
    expect(asBytes(small).toString('utf8')).toBe(asText(small));
    expect(asBytes(small).length).toBe(Buffer.byteLength(asText(small)));
  });

  test('a refused batch leaves nothing behind for the next one', () => {
    expect(() => asBytes([{ method: 'POST', url: '/a', body: { a: 1 } }, { changeset: [{ method: 'GET', url: '/x' }] }])).toThrow(BatchFormatError);
    const next: MultipartBatchItem[] = [{ method: 'POST', url: '/b', body: { b: 2 } }];
    expect(asBytes(next).toString('utf8')).toBe(asText(next));
    expect(asBytes(next).toString('utf8').startsWith('--batch_T\r\n')).toBe(true);
  });
});

describe('Dataverse multipart $batch decoding', () => {
  const requestItems: MultipartBatchItem[] = [
    { method: 'POST', url: '/api/data/v9.2/tasks', body: {} },
    {
      changeset: [
        { method: 'POST', url: '/api/data/v9.2/contacts', body: {}, contentId: '1' },
        { method: 'POST', url: '/api/data/v9.2/accounts', body: {}, contentId: '2' },
      ],
    },
    { method: 'GET', url: '/api/data/v9.2/accounts(1)' },
  ];

  test('a successful answer with a nested changesetresponse', () => {
    const body = crlf([
      '--batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 204 No Content',
      'OData-Version: 4.0',
      'Location: https://org.crm.dynamics.com/api/data/v9.2/tasks(a9e9e8d8-0000-0000-0000-000000000001)',
      'OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/tasks(a9e9e8d8-0000-0000-0000-000000000001)',
      '',
      '',
      '--batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f',
      'Content-Type: multipart/mixed; boundary=changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc',
      '',
      '--changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 1',
      '',
      'HTTP/1.1 204 No Content',
      'OData-Version: 4.0',
      'OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/contacts(00000000-0000-0000-0000-0000000000c1)',
      '',
      '',
      '--changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'HTTP/1.1 201 Created',
      'Content-Type: application/json; odata.metadata=minimal',
      'OData-Version: 4.0',
      '',
      '{"@odata.etag":"W/\\"536530\\"","accountid":"00000000-0000-0000-0000-0000000000a1","name":"A"}',
      '--changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc--',
      '--batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 200 OK',
      'Content-Type: application/json; odata.metadata=minimal; odata.streaming=true',
      'OData-Version: 4.0',
      '',
      '{',
      '  "accountid": "00000000-0000-0000-0000-000000000001"',
      '}',
      '--batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f--',
      '',
    ]);
    const contentType = 'multipart/mixed; boundary=batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f';
    expect(boundaryOf(contentType)).toBe('batchresponse_c1bd45c1-dd81-470d-b897-e965846aad2f');
    const decoded = decodeMultipartBatch(contentType, body);
    expect(decoded.map((d) => d.kind)).toEqual(['response', 'changeset', 'response']);
    const results = matchMultipartResults(requestItems, decoded);
    expect(results.map((r) => [r.ok, r.status, r.outcome, r.contentId])).toEqual([
      [true, 204, 'done', undefined],
      [true, 204, 'done', '1'],
      [true, 201, 'done', '2'],
      [true, 200, 'done', undefined],
    ]);
    expect(results[0]?.headers['odata-entityid']).toBe('https://org.crm.dynamics.com/api/data/v9.2/tasks(a9e9e8d8-0000-0000-0000-000000000001)');
    expect(results[2]?.body).toEqual({ '@odata.etag': 'W/"536530"', accountid: '00000000-0000-0000-0000-0000000000a1', name: 'A' });
    expect(results[3]?.body).toEqual({ accountid: '00000000-0000-0000-0000-000000000001' });
  });

  test('stop at first failure: the batch status is the error and the body holds only the failing changeset part', () => {
    // Whole batch answered "HTTP/1.1 400 BadRequest"; the changeset collapsed into its single error response.
    const body = crlf([
      '--batchresponse_1',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 204 No Content',
      'OData-Version: 4.0',
      '',
      '',
      '--batchresponse_1',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'HTTP/1.1 400 Bad Request',
      'REQ_ID: 5ecd1cb3-1730-4ffc-909c-d44c22270026',
      'Content-Type: application/json; odata.metadata=minimal',
      'OData-Version: 4.0',
      '',
      '{"error":{"code":"0x80044331","message":"A validation error occurred. The length of the \'name\' attribute exceeded the maximum allowed length of \'160\'."}}',
      '--batchresponse_1--',
    ]);
    const results = matchMultipartResults(requestItems, decodeMultipartBatch('multipart/mixed; boundary="batchresponse_1"', body));
    expect(results.map((r) => [r.ok, r.status, r.outcome])).toEqual([
      [true, 204, 'done'],
      [false, 400, 'rolled-back'],
      [false, 400, 'failed'],
      [false, 0, 'not-executed'],
    ]);
    expect(results[2]?.headers['req_id']).toBe('5ecd1cb3-1730-4ffc-909c-d44c22270026');
    expect(results[2]?.body).toMatchObject({ error: { code: '0x80044331' } });
  });

  test('continue-on-error: every part answered, errors included', () => {
    const items: MultipartBatchItem[] = [
      { method: 'POST', url: '/api/data/v9.2/accounts', body: {} },
      { method: 'POST', url: '/api/data/v9.2/accounts', body: {} },
      { method: 'POST', url: '/api/data/v9.2/accounts', body: {} },
    ];
    const part = (status: string, extra: string[] = []): string[] => [
      '--batchresponse_x',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      `HTTP/1.1 ${status}`,
      ...extra,
    ];
    const body = crlf([
      ...part('204 No Content', ['OData-EntityId: https://o/api/data/v9.2/accounts(1)', '', '']),
      ...part('400 Bad Request', ['Content-Type: application/json', '', '{"error":{"code":"0x80048d19","message":"bad property"}}']),
      ...part('204 No Content', ['', '']),
      '--batchresponse_x--',
    ]);
    const results = matchMultipartResults(items, decodeMultipartBatch('multipart/mixed; boundary=batchresponse_x', body));
    expect(results.map((r) => r.outcome)).toEqual(['done', 'failed', 'done']);
  });

  test('a changeset with a failing inner part: successes inside are rolled back', () => {
    const body = crlf([
      '--b',
      'Content-Type: multipart/mixed; boundary=cs',
      '',
      '--cs',
      'Content-Type: application/http',
      'Content-ID: 1',
      '',
      'HTTP/1.1 204 No Content',
      '',
      '',
      '--cs',
      'Content-Type: application/http',
      'Content-ID: 2',
      '',
      'HTTP/1.1 412 Precondition Failed',
      '',
      '{"error":{"code":"0x80060882","message":"version mismatch"}}',
      '--cs--',
      '--b--',
    ]);
    const results = matchMultipartResults([requestItems[1] as MultipartBatchItem], decodeMultipartBatch('multipart/mixed; boundary=b', body));
    expect(results.map((r) => [r.ok, r.status, r.outcome])).toEqual([
      [false, 204, 'rolled-back'],
      [false, 412, 'failed'],
    ]);
  });

  test('malformed answers are reported, not guessed', () => {
    expect(() => decodeMultipartBatch('multipart/mixed', '--x--')).toThrow(/no boundary/);
    expect(() => decodeMultipartBatch('multipart/mixed; boundary=x', '--x\r\nContent-Type: application/http\r\n\r\nnot http\r\n--x--')).toThrow(
      /expected an HTTP status line/,
    );
    expect(() => decodeMultipartBatch('multipart/mixed; boundary=x', '--x\r\n\r\nHTTP/1.1 200 OK\r\n')).toThrow(/no closing delimiter/);
  });

  test('bare LF line ends, a preamble, an epilogue, blank lines and delimiters with trailing blanks read as with CR LF', () => {
    const lf = [
      'preamble text',
      '--b ',
      'Content-Type: application/http',
      '',
      '',
      'HTTP/1.1 201 Created',
      'content-type:application/json',
      'Content-ID:  7 ',
      '',
      '  {"a":"--b"}  ',
      '',
      '--b',
      'Content-Type: multipart/mixed; boundary=cs',
      '',
      'inner preamble',
      '--cs',
      'Content-Type: application/http',
      '',
      'HTTP/1.1 400 Bad Request',
      '',
      'first line',
      'second line',
      '--cs--\t',
      'inner epilogue',
      '--b--',
      'epilogue',
    ].join('\n');
    const expected = [
      { kind: 'response', response: { status: 201, headers: { 'content-type': 'application/json', 'content-id': '7' }, body: '{"a":"--b"}', contentId: '7' } },
      { kind: 'changeset', responses: [{ status: 400, headers: {}, body: 'first line\r\nsecond line' }] },
    ];
    expect(decodeMultipartBatch('multipart/mixed; boundary=b', lf)).toEqual(expected);
    expect(decodeMultipartBatch('multipart/mixed; boundary=b', lf.replace(/\n/g, '\r\n'))).toEqual(expected);
  });
});

describe('Dataverse multipart $batch answers: seeded round trips', () => {
  // Answers written the way the format allows (any header-name case, blanks around values, LF or CR LF, preamble and
  // epilogue, multi-line and Unicode bodies, errors inside changesets), then read back: what was written comes out.
  let seed = 11;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T,>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const recase = (name: string): string => pick([name, name.toLowerCase(), name.toUpperCase()]);
  const blanks = (): string => pick(['', ' ', '  ', '\t', ' \t ']);

  interface Written {
    status: number;
    headers: Record<string, string>;
    body: string;
    contentId?: string;
  }

  const bodies = (): string =>
    pick([
      '',
      JSON.stringify({ accountid: '00000000-0000-0000-0000-000000000001', name: 'Åsa \r\n Zürich 東京 😀', note: '--batchresponse_1 is only text here' }),
      JSON.stringify({ error: { code: '0x80040237', message: 'A record with matching key values already exists.\r\nSecond line.' } }, null, 2),
      'plain text\nwith two lines',
      '   padded text   ',
      '{"@odata.etag":"W/\\"12\\"","modifiedon":"2026-12-06T19:42:33Z"}',
    ]);

  function response(inChangeset: boolean): { lines: string[]; written: Written } {
    const status = pick([200, 201, 204, 400, 404, 412, 429, 500]);
    const headers: Record<string, string> = {};
    const lines: string[] = [];
    const mime = [`${recase('Content-Type')}:${blanks()}application/http${blanks()}`, `Content-Transfer-Encoding: binary`];
    let contentId: string | undefined;
    if (inChangeset && random() < 0.7) {
      contentId = String(1 + Math.floor(random() * 9));
      mime.push(`${recase('Content-ID')}: ${contentId}${blanks()}`);
    }
    lines.push(...mime, '', `HTTP/1.1 ${status} ${pick(['OK', 'Created', 'No Content', 'Bad Request', 'Größe'])}`);
    for (const [name, value] of [
      ['Content-Type', 'application/json; odata.metadata=minimal'],
      ['OData-Version', '4.0'],
      ['ETag', 'W/"4711"'],
      ['OData-EntityId', 'https://org.crm.dynamics.com/api/data/v9.2/accounts(00000000-0000-0000-0000-000000000001)'],
      ['REQ_ID', '5ecd1cb3-1730-4ffc-909c-d44c22270026'],
      ['x-ms-custom', 'Ünïcode välue: with colon'],
    ] as const) {
      if (random() < 0.5) continue;
      headers[name.toLowerCase()] = value;
      lines.push(`${recase(name)}:${blanks()}${value}${blanks()}`);
    }
    const body = bodies();
    lines.push('', ...body.split('\n'));
    const written: Written = { status, headers, body: body.replace(/\r?\n/g, '\r\n').trim() };
    if (contentId !== undefined) written.contentId = contentId;
    return { lines, written };
  }

  test('500 answers of single responses and changesets decode to what was written', () => {
    for (let n = 0; n < 500; n++) {
      const boundary = `batchresponse_${n}`;
      const lines: string[] = random() < 0.3 ? ['a preamble line'] : [];
      const expected: unknown[] = [];
      const count = 1 + Math.floor(random() * 4);
      for (let i = 0; i < count; i++) {
        if (random() < 0.3) {
          const cs = `changesetresponse_${n}_${i}`;
          lines.push(`--${boundary}${blanks()}`, `Content-Type: multipart/mixed; boundary=${cs}`, '');
          const responses: Written[] = [];
          for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
            const r = response(true);
            lines.push(`--${cs}`, ...r.lines);
            responses.push(r.written);
          }
          lines.push(`--${cs}--`);
          expected.push({ kind: 'changeset', responses });
        } else {
          const r = response(false);
          lines.push(`--${boundary}`, ...r.lines);
          expected.push({ kind: 'response', response: r.written });
        }
      }
      lines.push(`--${boundary}--${blanks()}`, ...(random() < 0.3 ? ['an epilogue'] : []));
      const text = lines.join(random() < 0.5 ? '\r\n' : '\n');
      const contentType = random() < 0.5 ? `multipart/mixed; boundary=${boundary}` : `multipart/mixed; boundary="${boundary}"`;
      expect(decodeMultipartBatch(contentType, text)).toEqual(expected);
    }
  });

  test('a JSON body comes back as the object that was sent, a text body as its text, an empty one as nothing', () => {
    const value = { name: 'Åsa \r\n "quoted" 😀', n: 1.5, list: [1, null, true] };
    const body = crlf([
      '--b', 'Content-Type: application/http', '', 'HTTP/1.1 200 OK', 'Content-Type: application/json', '', JSON.stringify(value, null, 2),
      '--b', 'Content-Type: application/http', '', 'HTTP/1.1 400 Bad Request', '', 'not json {',
      '--b', 'Content-Type: application/http', '', 'HTTP/1.1 204 No Content', '', '',
      '--b--',
    ]);
    const items: MultipartBatchItem[] = [{ method: 'GET', url: '/a' }, { method: 'POST', url: '/b', body: {} }, { method: 'DELETE', url: '/c' }];
    const results = matchMultipartResults(items, decodeMultipartBatch('multipart/mixed; boundary=b', body));
    expect(results.map((r) => r.body)).toEqual([value, 'not json {', undefined]);
    expect(results.map((r) => r.outcome)).toEqual(['done', 'failed', 'done']);
  });

  test('a header line without a name or without a colon is refused', () => {
    const answer = (line: string): string => crlf(['--b', 'Content-Type: application/http', '', 'HTTP/1.1 200 OK', line, '', '', '--b--']);
    expect(() => decodeMultipartBatch('multipart/mixed; boundary=b', answer(': no name'))).toThrow(/malformed header line ": no name"/);
    expect(() => decodeMultipartBatch('multipart/mixed; boundary=b', answer('NoColonHere'))).toThrow(/malformed header line "NoColonHere"/);
    expect(decodeMultipartBatch('multipart/mixed; boundary=b', answer('  X-Odd  :  v: w  '))).toEqual([
      { kind: 'response', response: { status: 200, headers: { 'x-odd': 'v: w' }, body: '' } },
    ]);
  });
});

describe('Business Central JSON $batch', () => {
  const ops = [
    { method: 'POST' as const, url: 'companies(c1)/customers', body: { displayName: 'A' } },
    { method: 'PATCH' as const, url: 'companies(c1)/items(i1)', headers: { 'If-Match': '*' }, body: { displayName: 'X' } },
    { method: 'GET' as const, url: 'companies(c1)/items(i2)' },
  ];

  test('encodes {"requests":[...]} with ids, relative URLs and JSON content type on bodies (protocols.md §3.2)', () => {
    expect(encodeJsonBatch(ops)).toEqual({
      requests: [
        { id: '1', method: 'POST', url: 'companies(c1)/customers', headers: { 'Content-Type': 'application/json' }, body: { displayName: 'A' } },
        {
          id: '2',
          method: 'PATCH',
          url: 'companies(c1)/items(i1)',
          headers: { 'If-Match': '*', 'Content-Type': 'application/json' },
          body: { displayName: 'X' },
        },
        { id: '3', method: 'GET', url: 'companies(c1)/items(i2)' },
      ],
    });
    expect(() => encodeJsonBatch([{ method: 'GET', url: 'https://api.businesscentral.dynamics.com/v2.0/x' }])).toThrow(/relative to the API root/);
  });

  test('decodes {"responses":[...]} matched by id, in request order', () => {
    const requests = encodeJsonBatch(ops).requests;
    const answer = {
      responses: [
        { id: '3', status: 200, headers: { 'Content-Type': 'application/json; odata.metadata=minimal' }, body: { id: 'i2' } },
        { id: '1', status: 201, headers: { 'odata-version': '4.0' }, body: { id: 'new' } },
        { id: '2', status: 200, headers: {}, body: { id: 'i1' } },
      ],
    };
    const results = matchJsonResults(requests, decodeJsonBatch(answer));
    expect(results.map((r) => [r.ok, r.status, (r.body as { id: string }).id])).toEqual([
      [true, 201, 'new'],
      [true, 200, 'i1'],
      [true, 200, 'i2'],
    ]);
    expect(results[2]?.headers['content-type']).toBe('application/json; odata.metadata=minimal');
  });

  test('default stop-on-error: responses up to the failure; the rest were not executed', () => {
    const requests = encodeJsonBatch(ops).requests;
    const answer = {
      responses: [
        { id: '1', status: 201, headers: {}, body: { id: 'new' } },
        { id: '2', status: 409, headers: {}, body: { error: { code: 'Request_EntityChanged', message: 'Another user has already changed the record.' } } },
      ],
    };
    expect(matchJsonResults(requests, decodeJsonBatch(answer)).map((r) => r.outcome)).toEqual(['done', 'failed', 'not-executed']);
  });

  test('Isolation: snapshot: earlier 2xx answers were rolled back', () => {
    const requests = encodeJsonBatch(ops).requests;
    const answer = {
      responses: [
        { id: '1', status: 201, headers: {}, body: { id: 'new' } },
        { id: '2', status: 400, headers: {}, body: { error: { code: 'BadRequest', message: 'x' } } },
      ],
    };
    const results = matchJsonResults(requests, decodeJsonBatch(answer), { atomic: true });
    expect(results.map((r) => [r.ok, r.outcome])).toEqual([
      [false, 'rolled-back'],
      [false, 'failed'],
      [false, 'not-executed'],
    ]);
  });

  test('answers without ids (as in Microsoft\'s sample) are matched by position', () => {
    const requests = encodeJsonBatch(ops.slice(0, 2)).requests;
    const answer = { responses: [{ id: null, status: 201, body: '{"id":"a"}' }, { id: null, status: 200, body: { id: 'b' } }] };
    expect(matchJsonResults(requests, decodeJsonBatch(answer)).map((r) => (r.body as { id: string }).id)).toEqual(['a', 'b']);
    expect(() => decodeJsonBatch({ value: [] })).toThrow(/no "responses" array/);
  });
});
