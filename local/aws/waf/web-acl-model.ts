import type { CloudAssembly, TemplateResource } from '../../runtime/assembly';

/** A WAF statement as the template writes it (CloudFormation's PascalCase shape, intrinsics unresolved). */
export type TemplateStatement = Readonly<Record<string, unknown>>;

/** What a Block action answers with when it defines a custom response (the web ACL's CustomResponseBodies). */
export interface CustomBlockResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: { readonly contentType: string; readonly content: string };
}

/** A rule action or the default action; Captcha and Challenge are not played (they need a browser). */
export type WafAction = { readonly kind: 'allow' } | { readonly kind: 'count' } | { readonly kind: 'block'; readonly custom?: CustomBlockResponse };

/** One rule of the web ACL, in the template's words. */
export interface TemplateRule {
  readonly name: string;
  readonly priority: number;
  /** Undefined for a Captcha or Challenge action, or a rule group (OverrideAction): not played. */
  readonly action?: WafAction;
  readonly statement: TemplateStatement;
}

/** An AWS::WAFv2::IPSet: its CIDR blocks. */
export interface IpSetModel {
  readonly logicalId: string;
  readonly addresses: readonly string[];
}

/** The web ACL associated with a REST API's stage, as its template declares it. */
export interface WebAclModel {
  readonly logicalId: string;
  readonly name: string;
  readonly defaultAction: WafAction;
  /** Every rule, in priority order (the order AWS WAF evaluates them in). */
  readonly rules: readonly TemplateRule[];
  /**
   * How much of a body the rules see: API Gateway forwards 16 KB to AWS WAF unless the web ACL's AssociationConfig
   * raises it (KB_32, KB_48, KB_64). A rule inspecting the body applies its OversizeHandling beyond it.
   */
  readonly bodyInspectionLimit: number;
  /** IP sets of the template, by logical id (an IPSetReferenceStatement names one with Fn::GetAtt [id, Arn]). */
  readonly ipSets: ReadonlyMap<string, IpSetModel>;
}

/** API Gateway's default body inspection limit (AWS WAF developer guide, "body inspection size limits"). */
export const DEFAULT_BODY_INSPECTION_LIMIT = 16 * 1024;

const INSPECTION_LIMITS: Readonly<Record<string, number>> = { KB_16: 16_384, KB_32: 32_768, KB_48: 49_152, KB_64: 65_536 };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `value` holds `{ Ref: id }` somewhere inside it. */
function refersTo(value: unknown, id: string): boolean {
  if (Array.isArray(value)) return value.some((v) => refersTo(v, id));
  if (!isRecord(value)) return false;
  if (value.Ref === id) return true;
  return Object.values(value).some((v) => refersTo(v, id));
}

/** The logical id of `{ "Fn::GetAtt": [id, "Arn"] }`. */
export function getAttArnOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const att = value['Fn::GetAtt'];
  const [id, attribute] = Array.isArray(att) ? (att as unknown[]) : typeof att === 'string' ? att.split('.') : [];
  return typeof id === 'string' && attribute === 'Arn' ? id : undefined;
}

function customResponse(value: unknown, bodies: Record<string, unknown>): CustomBlockResponse | undefined {
  if (!isRecord(value)) return undefined;
  const headers: Record<string, string> = {};
  for (const header of Array.isArray(value.ResponseHeaders) ? value.ResponseHeaders : []) {
    if (isRecord(header) && typeof header.Name === 'string') headers[header.Name] = String(header.Value ?? '');
  }
  const key = typeof value.CustomResponseBodyKey === 'string' ? value.CustomResponseBodyKey : undefined;
  const body = key ? bodies[key] : undefined;
  return {
    status: Number(value.ResponseCode ?? 403),
    headers,
    ...(isRecord(body) ? { body: { contentType: String(body.ContentType ?? 'TEXT_PLAIN'), content: String(body.Content ?? '') } } : {}),
  };
}

/** A rule's or the default action; undefined for what is not played (Captcha, Challenge, a rule group's OverrideAction). */
export function actionOf(value: unknown, bodies: Record<string, unknown> = {}): WafAction | undefined {
  if (!isRecord(value)) return undefined;
  if ('Block' in value) {
    const custom = isRecord(value.Block) ? customResponse(value.Block.CustomResponse, bodies) : undefined;
    return custom ? { kind: 'block', custom } : { kind: 'block' };
  }
  if ('Allow' in value) return { kind: 'allow' };
  if ('Count' in value) return { kind: 'count' };
  return undefined;
}

function ruleOf(value: unknown, bodies: Record<string, unknown>): TemplateRule | undefined {
  if (!isRecord(value) || !isRecord(value.Statement)) return undefined;
  const action = actionOf(value.Action, bodies);
  return {
    name: String(value.Name ?? 'unnamed'),
    priority: Number(value.Priority ?? 0),
    ...(action ? { action } : {}),
    statement: value.Statement,
  };
}

/**
 * The web ACL the template associates with a REST API's stage (an AWS::WAFv2::WebACLAssociation whose ResourceArn
 * refers to the API), or undefined when the stage has none. Read from the synthesized template, never from the
 * stage config: the runtime plays what `cdk deploy` would create.
 */
export function readWebAcl(assembly: CloudAssembly, restApiLogicalId: string, stackName: string): WebAclModel | undefined {
  const association = assembly
    .resourcesOfType('AWS::WAFv2::WebACLAssociation')
    .find((a) => a.stackName === stackName && refersTo(a.properties.ResourceArn, restApiLogicalId));
  const aclId = association ? getAttArnOf(association.properties.WebACLArn) : undefined;
  const acl = assembly.resourcesOfType('AWS::WAFv2::WebACL').find((r) => r.stackName === stackName && r.logicalId === aclId);
  if (!acl) return undefined;
  return webAclOf(acl, assembly.resourcesOfType('AWS::WAFv2::IPSet'));
}

/** The model of one AWS::WAFv2::WebACL resource. */
export function webAclOf(acl: TemplateResource, ipSetResources: readonly TemplateResource[] = []): WebAclModel {
  const p = acl.properties;
  const bodies = isRecord(p.CustomResponseBodies) ? p.CustomResponseBodies : {};
  const rules = (Array.isArray(p.Rules) ? p.Rules : [])
    .map((r) => ruleOf(r, bodies))
    .filter((r): r is TemplateRule => r !== undefined)
    .sort((a, b) => a.priority - b.priority);
  const association = isRecord(p.AssociationConfig) && isRecord(p.AssociationConfig.RequestBody) ? p.AssociationConfig.RequestBody : {};
  const apiGateway = isRecord(association.API_GATEWAY) ? association.API_GATEWAY : {};
  const limit = INSPECTION_LIMITS[String(apiGateway.DefaultSizeInspectionLimit)] ?? DEFAULT_BODY_INSPECTION_LIMIT;
  const ipSets = new Map<string, IpSetModel>();
  for (const set of ipSetResources) {
    const addresses = Array.isArray(set.properties.Addresses) ? set.properties.Addresses.filter((a): a is string => typeof a === 'string') : [];
    ipSets.set(set.logicalId, { logicalId: set.logicalId, addresses });
  }
  return {
    logicalId: acl.logicalId,
    name: typeof p.Name === 'string' ? p.Name : acl.logicalId,
    defaultAction: actionOf(p.DefaultAction, bodies) ?? { kind: 'allow' },
    rules,
    bodyInspectionLimit: limit,
    ipSets,
  };
}
