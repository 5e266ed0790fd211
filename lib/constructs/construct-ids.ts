/** A kebab-case name (a provider id, a switch name) as a PascalCase construct id: `north-supply` -> `NorthSupply`. */
export function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}
