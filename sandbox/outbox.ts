/**
 * The email outbox: SNS email deliveries land here as `.eml` files (RFC 822 headers, plain-text
 * body) that a person can open in any mail client, and tests can list and read.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Default outbox folder, relative to the working directory (gitignored via `.sandbox-data/`). */
export const DEFAULT_OUTBOX_DIR = '.sandbox-data/outbox';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  /** Epoch ms (simulated time) written as the `Date` header. */
  date: number;
  messageId: string;
  body: string;
  /** Extra headers (e.g. `X-Amz-Sns-Topic-Arn`). */
  headers?: Record<string, string>;
}

export interface OutboxEntry {
  file: string;
  to: string;
  subject: string;
  date: string;
}

export interface Outbox {
  readonly dir: string;
  /** Writes one mail; resolves to the file name inside `dir`. */
  write(mail: OutgoingMail): Promise<string>;
  /** Mails in the outbox, oldest first (by file name, which starts with the date). */
  list(): Promise<OutboxEntry[]>;
  /** Raw `.eml` text of one file from `list()`. */
  read(file: string): Promise<string>;
}

/** Creates an outbox writing into `dir` (created on first write). */
export function createOutbox(dir: string = DEFAULT_OUTBOX_DIR): Outbox {
  let sequence = 0;
  return {
    dir,
    async write(mail) {
      await mkdir(dir, { recursive: true });
      sequence += 1;
      const stamp = new Date(mail.date).toISOString().replace(/[:.]/g, '-');
      const file = `${stamp}-${String(sequence).padStart(4, '0')}-${mail.messageId.slice(0, 8)}.eml`;
      await writeFile(join(dir, file), renderEml(mail), 'utf8');
      return file;
    },
    async list() {
      let files: string[];
      try {
        files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      return Promise.all(
        files.map(async (file) => {
          const headers = parseHeaders(await readFile(join(dir, file), 'utf8'));
          return {
            file,
            to: headers.to ?? '',
            subject: decodeHeader(headers.subject ?? ''),
            date: headers.date ?? '',
          };
        }),
      );
    },
    async read(file) {
      if (file.includes('/') || file.includes('\\') || !file.endsWith('.eml')) {
        throw new RangeError(`not an outbox file: ${file}`);
      }
      return readFile(join(dir, file), 'utf8');
    },
  };
}

/** RFC 822 text of one mail; non-ASCII subjects are RFC 2047-encoded so mail clients show them. */
export function renderEml(mail: OutgoingMail): string {
  const lines = [
    `From: ${mail.from}`,
    `To: ${mail.to}`,
    `Subject: ${encodeHeader(mail.subject)}`,
    `Date: ${new Date(mail.date).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${mail.messageId}@sandbox.sns.local>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    ...Object.entries(mail.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${mail.body.replace(/\r?\n/g, '\r\n')}\r\n`;
}

function encodeHeader(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function decodeHeader(text: string): string {
  const match = /^=\?UTF-8\?B\?(.*)\?=$/.exec(text);
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : text;
}

function parseHeaders(eml: string): Record<string, string> {
  const head = eml.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  return headers;
}
