import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../sandbox/aws-error';
import {
  decodeQueryRequest,
  encodeQueryError,
  encodeQuerySuccess,
  QueryMap,
} from '../../../sandbox/protocols/query-protocol';
import { parseSigV4Scope } from '../../../sandbox/protocols/sigv4-scope';

describe('awsQuery decoding', () => {
  it('unflattens maps of message attributes and subscription attributes', () => {
    const body = new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      Message: 'a&b=c',
      'MessageAttributes.entry.1.Name': 'kind',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'promoted',
      'MessageAttributes.entry.2.Name': 'n',
      'MessageAttributes.entry.2.Value.DataType': 'Number',
      'MessageAttributes.entry.2.Value.StringValue': '3',
      'Attributes.entry.1.key': 'FilterPolicy',
      'Attributes.entry.1.value': '{"a":["b"]}',
    }).toString();
    expect(decodeQueryRequest(body)).toEqual({
      action: 'Publish',
      version: '2010-03-31',
      input: {
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
        Message: 'a&b=c',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'promoted' },
          n: { DataType: 'Number', StringValue: '3' },
        },
        Attributes: { FilterPolicy: '{"a":["b"]}' },
      },
    });
  });

  it('keeps hostile keys as plain data instead of touching prototypes', () => {
    const decoded = decodeQueryRequest('Action=X&__proto__.polluted=yes&constructor.prototype.bad=1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(decoded.input)).toEqual(['__proto__', 'constructor']);
  });

  it('unflattens member lists in numeric order', () => {
    const body = 'Action=X&Names.member.2=b&Names.member.10=c&Names.member.1=a';
    expect(decodeQueryRequest(body).input).toEqual({ Names: ['a', 'b', 'c'] });
  });
});

describe('awsQuery encoding', () => {
  it('wraps results, writes lists as member elements and maps as entries, and escapes text', () => {
    const { body, statusCode } = encodeQuerySuccess(
      'ListThings',
      { Things: [{ Name: 'a<b' }], Attributes: new QueryMap({ k: 'v&w' }) },
      'http://ns/',
      'req-1',
    );
    expect(statusCode).toBe(200);
    expect(body).toContain(
      '<ListThingsResponse xmlns="http://ns/"><ListThingsResult><Things><member><Name>a&lt;b</Name></member></Things>' +
        '<Attributes><entry><key>k</key><value>v&amp;w</value></entry></Attributes></ListThingsResult>',
    );
    expect(body).toContain('<RequestId>req-1</RequestId>');
  });

  it('writes errors as ErrorResponse with Sender or Receiver', () => {
    expect(
      encodeQueryError(new AwsError('NotFound', 'Topic does not exist', 404), 'http://ns/', 'r').body,
    ).toContain('<Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message>');
    expect(encodeQueryError(new AwsError('InternalError', 'boom', 500), 'http://ns/', 'r').body).toContain(
      '<Type>Receiver</Type>',
    );
  });
});

describe('parseSigV4Scope', () => {
  it('reads region and service from the credential scope', () => {
    expect(
      parseSigV4Scope(
        'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-west-2/sagemaker/aws4_request, SignedHeaders=host, Signature=abc',
      ),
    ).toEqual({ accessKeyId: 'AKID', region: 'us-west-2', service: 'sagemaker' });
  });

  it.each([[undefined], [''], ['Bearer token'], ['AWS4-HMAC-SHA256 Credential=AKID/2026/us-west-2']])(
    'returns undefined for %s',
    (header) => {
      expect(parseSigV4Scope(header)).toBeUndefined();
    },
  );
});
