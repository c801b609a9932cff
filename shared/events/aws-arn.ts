// ARNs are how AWS names who sent an event and where it came from: `arn:partition:service:region:account:resource`.

/** The parts of an ARN; `resource` is everything after the account (it may itself hold colons). */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** A 12-digit AWS account id: anything else in an ARN's account field is not an account. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/** Longest ARN read. Characters (AWS's own limit for most resource ARNs is 2,048). */
export const MAX_ARN_LENGTH = 2048;

/** `value` read as an ARN, or undefined when it is not a string of that shape. Never throws. */
export function parseArn(value: unknown): Arn | undefined {
  if (typeof value !== 'string' || value.length > MAX_ARN_LENGTH) return undefined;
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  if (partition === '' || service === '') return undefined;
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}
