import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnIPSet, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { resolveStageConfig } from '../../../lib/config/stages';
import { ApiFirewall, MANAGED_RULE_GROUPS } from '../../../lib/constructs/api-firewall';
import type { TemplateResource } from '../../../local/runtime/assembly';
import { type WafRequest, WebAcl, type WebAclOptions } from '../../../local/aws/waf/web-acl';
import { webAclOf } from '../../../local/aws/waf/web-acl-model';

const config = resolveStageConfig({ stage: 'dev' });

/** The resources of a synthesized stack, as the local runtime reads them from cdk.out. */
function synthesized(stack: Stack): TemplateResource[] {
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
  return Object.entries(template.Resources).map(([logicalId, r]) => ({
    stackName: stack.stackName,
    logicalId,
    type: r.Type,
    properties: r.Properties ?? {},
    metadata: {},
  }));
}

/** The dev stage's web ACL, synthesized from the construct the API stack uses, played with a clock the test moves. */
function stageWebAcl(options: WebAclOptions = {}) {
  const stack = new Stack(new App(), 'Firewall');
  new ApiFirewall(stack, 'Firewall', { stageContext: { config, key: new Key(stack, 'Key') }, stageArn: 'arn:aws:apigateway:eu-west-1::/restapis/x/stages/v1' });
  const resources = synthesized(stack);
  const acl = resources.find((r) => r.type === 'AWS::WAFv2::WebACL') as TemplateResource;
  let now = 0;
  const webAcl = new WebAcl(webAclOf(acl), { now: () => now, ...options });
  return { webAcl, acl, advance: (ms: number) => (now += ms) };
}

/** A web ACL of the given rules (typed as CDK types them), synthesized, with the template's IP sets. */
function webAclOfRules(rules: (stack: Stack) => CfnWebACL.RuleProperty[]) {
  const stack = new Stack(new App(), 'Custom');
  new CfnWebACL(stack, 'Acl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: { cloudWatchMetricsEnabled: false, sampledRequestsEnabled: false, metricName: 'acl' },
    rules: rules(stack),
    customResponseBodies: { 'slow-down': { contentType: 'APPLICATION_JSON', content: '{"error":"slow down"}' } },
  });
  const resources = synthesized(stack);
  const acl = resources.find((r) => r.type === 'AWS::WAFv2::WebACL') as TemplateResource;
  return new WebAcl(
    webAclOf(
      acl,
      resources.filter((r) => r.type === 'AWS::WAFv2::IPSet'),
    ),
  );
}

const visibility = { cloudWatchMetricsEnabled: false, sampledRequestsEnabled: false, metricName: 'rule' };

function request(overrides: Partial<WafRequest> = {}): WafRequest {
  return {
    sourceIp: '127.0.0.1',
    method: 'GET',
    uriPath: '/v1/products',
    queryString: '',
    headers: [['Host', '127.0.0.1']],
    body: Buffer.alloc(0),
    ...overrides,
  };
}

const checkout = (ip = '127.0.0.1', path = '/v1/checkout') =>
  request({ sourceIp: ip, method: 'POST', uriPath: path, headers: [['Idempotency-Key', 'k'.repeat(24)]], body: Buffer.from('{}') });

/** Sends `count` requests and returns how many were blocked, by which rules. */
function send(webAcl: WebAcl, count: number, make: () => WafRequest): Map<string, number> {
  const blocked = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const verdict = webAcl.evaluate(make());
    if (verdict.action === 'block') blocked.set(verdict.rule ?? 'default', (blocked.get(verdict.rule ?? 'default') ?? 0) + 1);
  }
  return blocked;
}

describe('the web ACL played locally, from the synthesized template', () => {
  it('plays the stage web ACL\u2019s own rules and names the AWS managed rule groups it cannot play', () => {
    const { webAcl } = stageWebAcl();
    expect(webAcl.playedRules).toEqual([
      'BodySizeLimit',
      `RateLimitSensitive (${config.waf.sensitiveRateLimitPer5Min} per 5 min per IP)`,
      `RateLimitAll (${config.waf.rateLimitPer5Min} per 5 min per IP)`,
    ]);
    expect(webAcl.unplayed.filter((r) => r.managed).map((r) => r.name)).toEqual([...MANAGED_RULE_GROUPS]);
    const lines = webAcl.describe();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${MANAGED_RULE_GROUPS.length} AWS managed rule groups not played locally: ${MANAGED_RULE_GROUPS.join(', ')}`);
  });

  describe('the body size rule (GT maxBodyBytes, oversize handling MATCH)', () => {
    it('lets a body of exactly the limit through and blocks one byte more', () => {
      const { webAcl } = stageWebAcl();
      const post = (bytes: number) => webAcl.evaluate(request({ method: 'POST', uriPath: '/v1/vendor/products', body: Buffer.alloc(bytes, 'x') }));
      expect(post(config.api.maxBodyBytes)).toEqual({ action: 'allow' });
      expect(post(config.api.maxBodyBytes + 1)).toEqual({ action: 'block', rule: 'BodySizeLimit' });
      expect(post(1_000_000)).toEqual({ action: 'block', rule: 'BodySizeLimit' });
    });

    it('sees only the first 16 KB of a body: with CONTINUE instead of MATCH, a larger body passes the same rule', () => {
      const { acl } = stageWebAcl();
      const rules = (acl.properties.Rules as Array<Record<string, unknown>>).map((rule) =>
        rule.Name === 'BodySizeLimit' ? JSON.parse(JSON.stringify(rule).replace('"OversizeHandling":"MATCH"', '"OversizeHandling":"CONTINUE"')) : rule,
      );
      const continuing = new WebAcl(webAclOf({ ...acl, properties: { ...acl.properties, Rules: rules } }));
      expect(continuing.evaluate(request({ method: 'POST', body: Buffer.alloc(20_000, 'x') }))).toEqual({ action: 'allow' });
    });
  });

  describe('the rate-based rules, per IP over their window', () => {
    it('blocks an IP past the sensitive limit on /checkout (any case) and /webhooks/, and nothing else of it or anyone else', () => {
      const { webAcl } = stageWebAcl();
      const limit = config.waf.sensitiveRateLimitPer5Min;
      let i = 0;
      // LOWERCASE before ENDS_WITH: /v1/CHECKOUT counts as /checkout does.
      expect(send(webAcl, limit, () => checkout('127.0.0.1', i++ % 2 ? '/v1/CHECKOUT' : '/v1/webhooks/stripe')).size).toBe(0);
      expect(webAcl.evaluate(checkout())).toEqual({ action: 'block', rule: 'RateLimitSensitive' });
      expect(webAcl.evaluate(request())).toEqual({ action: 'allow' });
      expect(webAcl.evaluate(checkout('10.0.0.7'))).toEqual({ action: 'allow' });
    });

    it('aggregates by the connection\u2019s address: an X-Forwarded-For header changes nothing, as the rule has no ForwardedIPConfig', () => {
      const { webAcl } = stageWebAcl();
      let n = 0;
      const spoofed = () => ({ ...checkout(), headers: [['X-Forwarded-For', `198.51.100.${n++ % 250}`] as const] });
      const blocked = send(webAcl, config.waf.sensitiveRateLimitPer5Min + 5, spoofed);
      expect(blocked.get('RateLimitSensitive')).toBe(5);
    });

    it('counts every request of an IP against the global limit', () => {
      const { webAcl } = stageWebAcl();
      const blocked = send(webAcl, config.waf.rateLimitPer5Min + 3, () => request());
      expect([...blocked]).toEqual([['RateLimitAll', 3]]);
    });

    it('lets the IP through again once its requests leave the 5-minute window', () => {
      const { webAcl, advance } = stageWebAcl();
      send(webAcl, config.waf.sensitiveRateLimitPer5Min, () => checkout());
      advance(299_000);
      expect(webAcl.evaluate(checkout()).action).toBe('block');
      advance(1_000);
      // The first requests are now 300 s old: out of the window.
      expect(webAcl.evaluate(checkout()).action).toBe('allow');
    });

    it('scales the window (STOCKADE_WAF_WINDOW_SCALE): 0.01 makes it 3 seconds', () => {
      const { webAcl, advance } = stageWebAcl({ windowScale: 0.01 });
      expect(webAcl.playedRules[1]).toBe(`RateLimitSensitive (${config.waf.sensitiveRateLimitPer5Min} per 3 s per IP, window x0.01)`);
      send(webAcl, config.waf.sensitiveRateLimitPer5Min + 1, () => checkout());
      advance(2_999);
      expect(webAcl.evaluate(checkout()).action).toBe('block');
      advance(3_001);
      expect(webAcl.evaluate(checkout()).action).toBe('allow');
    });

    it('plays none of them when rate rules are off, and says so', () => {
      const { webAcl } = stageWebAcl({ rateRules: false });
      expect(webAcl.playedRules).toEqual(['BodySizeLimit']);
      expect(send(webAcl, config.waf.rateLimitPer5Min + 1, () => checkout()).size).toBe(0);
      expect(webAcl.describe().join('\n')).toContain('rule RateLimitAll not played locally (rate-based rules off)');
    });
  });

  describe('rules of other shapes', () => {
    it('answers a Block action\u2019s custom response with the web ACL\u2019s body for its key', () => {
      const webAcl = webAclOfRules(() => [
        {
          name: 'NoAdminFromQuery',
          priority: 0,
          action: {
            block: { customResponse: { responseCode: 429, customResponseBodyKey: 'slow-down', responseHeaders: [{ name: 'Retry-After', value: '60' }] } },
          },
          statement: {
            byteMatchStatement: {
              fieldToMatch: { singleQueryArgument: { Name: 'role' } },
              positionalConstraint: 'EXACTLY',
              searchString: 'admin',
              textTransformations: [
                { priority: 0, type: 'URL_DECODE' },
                { priority: 1, type: 'LOWERCASE' },
              ],
            },
          },
          visibilityConfig: visibility,
        },
      ]);
      expect(webAcl.evaluate(request({ queryString: 'role=%41dmin' }))).toEqual({
        action: 'block',
        rule: 'NoAdminFromQuery',
        custom: { status: 429, headers: { 'Retry-After': '60' }, body: { contentType: 'APPLICATION_JSON', content: '{"error":"slow down"}' } },
      });
      expect(webAcl.evaluate(request({ queryString: 'role=vendor' })).action).toBe('allow');
    });

    it('matches an IP set of the template, and an Allow rule ends the evaluation before a later Block', () => {
      const webAcl = webAclOfRules((stack) => {
        const office = new CfnIPSet(stack, 'Office', { scope: 'REGIONAL', ipAddressVersion: 'IPV4', addresses: ['192.0.2.0/24'] });
        return [
          {
            name: 'AllowOffice',
            priority: 0,
            action: { allow: {} },
            statement: { ipSetReferenceStatement: { arn: office.attrArn } },
            visibilityConfig: visibility,
          },
          {
            name: 'BlockMethodDelete',
            priority: 1,
            action: { block: {} },
            statement: {
              byteMatchStatement: {
                fieldToMatch: { method: {} },
                positionalConstraint: 'EXACTLY',
                searchString: 'DELETE',
                textTransformations: [{ priority: 0, type: 'NONE' }],
              },
            },
            visibilityConfig: visibility,
          },
        ];
      });
      expect(webAcl.evaluate(request({ sourceIp: '192.0.2.55', method: 'DELETE' }))).toEqual({ action: 'allow', rule: 'AllowOffice' });
      expect(webAcl.evaluate(request({ sourceIp: '198.51.100.1', method: 'DELETE' }))).toEqual({ action: 'block', rule: 'BlockMethodDelete' });
    });

    it('never crashes on a statement it cannot play: the rule is reported at start and never matches', () => {
      const webAcl = webAclOfRules(() => [
        {
          name: 'NotFromElsewhere',
          priority: 0,
          action: { block: {} },
          statement: { notStatement: { statement: { geoMatchStatement: { countryCodes: ['NL'] } } } },
          visibilityConfig: visibility,
        },
        {
          name: 'JsonBodyProbe',
          priority: 1,
          action: { block: {} },
          statement: {
            byteMatchStatement: {
              fieldToMatch: { jsonBody: { matchPattern: { all: {} }, matchScope: 'ALL' } },
              positionalConstraint: 'CONTAINS',
              searchString: 'x',
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          visibilityConfig: visibility,
        },
      ]);
      expect(webAcl.unplayed).toEqual([
        { name: 'NotFromElsewhere', reason: 'GeoMatchStatement', managed: false },
        { name: 'JsonBodyProbe', reason: 'FieldToMatch JsonBody', managed: false },
      ]);
      expect(webAcl.describe()).toContain(`${''.padEnd(16)} rule NotFromElsewhere not played locally (GeoMatchStatement): it never matches here`);
      expect(webAcl.evaluate(request({ body: Buffer.from('xxx') }))).toEqual({ action: 'allow' });
    });

    it('plays a FORWARDED_IP rate rule on the header it names, with its fallback for requests without one', () => {
      const webAcl = webAclOfRules(() => [
        {
          name: 'PerClient',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: 10, aggregateKeyType: 'FORWARDED_IP', forwardedIpConfig: { headerName: 'X-Client-IP', fallbackBehavior: 'MATCH' } },
          },
          visibilityConfig: visibility,
        },
      ]);
      const from = (ip: string) => request({ headers: [['X-Client-IP', ip]] });
      expect(send(webAcl, 10, () => from('203.0.113.9')).size).toBe(0);
      expect(webAcl.evaluate(from('203.0.113.9')).action).toBe('block');
      expect(webAcl.evaluate(from('203.0.113.10')).action).toBe('allow');
      expect(webAcl.evaluate(request()).action).toBe('block');
    });
  });
});
