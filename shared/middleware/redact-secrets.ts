/**
 * The one redaction step every log line goes through (the Powertools logger's JSON replacer, see
 * `telemetry.ts`), and the CLI's printed errors too: secrets are replaced by `[redacted]` wherever
 * they appear in a message, an error's message and stack, or any string of the extra fields.
 * Plain regular expressions, no dependency: the Slack notifier's bundle stays as it was.
 */

const REDACTED = '[redacted]';

/** Characters that end a URL or a header value inside prose, JSON or a query string. */
const VALUE_CHAR = `[^\\s"'<>()\\[\\]{},;&]`;
const VALUE = `${VALUE_CHAR}+`;

const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // Slack incoming-webhook URLs: the whole path is the credential.
  [
    new RegExp(`https?://hooks\\.slack(?:-gov)?\\.com${VALUE_CHAR}*`, 'gi'),
    `https://hooks.slack.com/${REDACTED}`,
  ],
  // Any URL path after /services/ (a webhook written without its scheme or host, or mistyped).
  [new RegExp(`/services/${VALUE}`, 'gi'), `/services/${REDACTED}`],
  // Slack tokens (xoxb-, xoxp-, ...).
  [/\bxox[a-z]-[A-Za-z0-9-]+/gi, REDACTED],
  // SigV4: the Authorization value (credential scope, signed headers, signature).
  [/AWS4-HMAC-SHA256[^"'\n]*/g, `AWS4-HMAC-SHA256 ${REDACTED}`],
  // Bearer and Basic credentials.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // Labelled secrets: headers, query parameters, environment variables and JSON keys.
  [
    new RegExp(
      `\\b(authorization|x-amz-security-token|x-amz-signature|x-amz-credential|signature|` +
        `aws_?secret_?access_?key|secret_?access_?key|aws_?session_?token|session_?token)` +
        `(["']?\\s*[:=]\\s*["']?)(?!\\[redacted\\])${VALUE}`,
      'gi',
    ),
    `$1$2${REDACTED}`,
  ],
  // An AWS secret access key standing alone: 40 base64 characters, mixed case (a hex hash is not).
  [
    /(?<![A-Za-z0-9+/=])(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[a-z])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])/g,
    REDACTED,
  ],
  // An AWS session token standing alone: a base64 run of 100 characters or more.
  [/(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{100,}={0,2}(?![A-Za-z0-9+/=])/g, REDACTED],
];

/** Keys whose value is a secret whatever it looks like (checked on the extra fields' keys). */
const SECRET_KEY =
  /^(authorization|x-amz-security-token|x-amz-signature|signature|secret_?access_?key|aws_?secret_?access_?key|session_?token|aws_?session_?token|token|access_?token|password|credentials|webhook_?url)$/i;

/** `text` with every webhook URL, token and signed-header value replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A `JSON.stringify` replacer that redacts: a string anywhere in the value (messages, error
 * messages and stacks, nested extra fields) goes through `redactSecrets`, and the value of a key
 * that names a secret (`authorization`, `sessionToken`, `webhookUrl`, ...) is dropped whole.
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && SECRET_KEY.test(key) && value !== undefined && value !== null) return REDACTED;
  return typeof value === 'string' ? redactSecrets(value) : value;
}
