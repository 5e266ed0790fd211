import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudAssembly } from '../../../local/runtime/assembly';
import { IntrinsicResolver } from '../../../local/runtime/intrinsics';

describe('IntrinsicResolver', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stockade-asm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: {
        'Stockade-dev-Data': { type: 'aws:cloudformation:stack', properties: { templateFile: 'data.json', stackName: 'Stockade-dev-Data' } },
        'Stockade-dev-Api': { type: 'aws:cloudformation:stack', properties: { templateFile: 'api.json', stackName: 'Stockade-dev-Api' } },
        'Stockade-prod-Api': { type: 'aws:cloudformation:stack', properties: { templateFile: 'prod.json', stackName: 'Stockade-prod-Api' } },
      },
    }),
  );
  writeFileSync(
    path.join(dir, 'data.json'),
    JSON.stringify({
      Resources: { Table1: { Type: 'AWS::DynamoDB::Table', Properties: {} } },
      Outputs: { TableArnOut: { Value: { 'Fn::GetAtt': ['Table1', 'Arn'] }, Export: { Name: 'Stockade-dev-Data:TableArn' } } },
    }),
  );
  writeFileSync(path.join(dir, 'api.json'), JSON.stringify({ Resources: { Fn1: { Type: 'AWS::Lambda::Function', Properties: {} } } }));
  writeFileSync(path.join(dir, 'prod.json'), JSON.stringify({ Resources: {} }));

  const assembly = CloudAssembly.load(dir, 'dev');
  const resolver = new IntrinsicResolver(assembly, (r) =>
    r.type === 'AWS::DynamoDB::Table' ? { ref: `table-${r.logicalId}`, attributes: { Arn: `arn:table/${r.logicalId}` } } : undefined,
  );

  it('reads only the stacks of the requested stage', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['Stockade-dev-Api', 'Stockade-dev-Data']);
  });

  it('resolves Ref, GetAtt, Join, Sub, Select, Split and pseudo parameters', () => {
    const s = 'Stockade-dev-Data';
    expect(resolver.resolve({ Ref: 'Table1' }, s)).toBe('table-Table1');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Table1', 'Arn'] }, s)).toBe('arn:table/Table1');
    expect(resolver.resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':', { Ref: 'AWS::Region' }]] }, s)).toBe('arn:aws:us-east-1');
    expect(resolver.resolve({ 'Fn::Sub': 'x-${Table1}-${AWS::AccountId}-${Table1.Arn}' }, s)).toBe('x-table-Table1-000000000000-arn:table/Table1');
    expect(resolver.resolve({ 'Fn::Sub': ['${A}/${B}', { A: 'a', B: { Ref: 'Table1' } }] }, s)).toBe('a/table-Table1');
    expect(resolver.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] }, s)).toBe('b');
    expect(resolver.resolve({ nested: [{ Ref: 'AWS::StackName' }] }, s)).toEqual({ nested: ['Stockade-dev-Data'] });
  });

  it('follows Fn::ImportValue across stacks', () => {
    expect(resolver.resolve({ 'Fn::ImportValue': 'Stockade-dev-Data:TableArn' }, 'Stockade-dev-Api')).toBe('arn:table/Table1');
    expect(() => resolver.resolve({ 'Fn::ImportValue': 'nope' }, 'Stockade-dev-Api')).toThrow(/unknown export nope/);
  });

  it('follows Fn::GetStackOutput across stacks, as newer CDK versions wire references', () => {
    expect(
      resolver.resolve(
        { 'Fn::GetStackOutput': { StackName: 'Stockade-dev-Data', Region: { Ref: 'AWS::Region' }, OutputName: 'TableArnOut' } },
        'Stockade-dev-Api',
      ),
    ).toBe('arn:table/Table1');
  });

  it('refuses an intrinsic function it does not know instead of passing it through', () => {
    expect(() => resolver.resolve({ 'Fn::FindInMap': ['M', 'a', 'b'] }, 'Stockade-dev-Data')).toThrow(/Fn::FindInMap .* not supported/);
  });

  it('fails clearly on a reference to a resource that does not exist', () => {
    expect(() => resolver.resolve({ Ref: 'Missing' }, 'Stockade-dev-Data')).toThrow(/Missing not found/);
  });

  it('refuses an assembly without the stage', () => {
    expect(() => CloudAssembly.load(dir, 'staging')).toThrow(/No Stockade-staging-\* stacks/);
  });
});
