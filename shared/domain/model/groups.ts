export const GROUPS = ['customer', 'vendor', 'admin'] as const;
export type Group = (typeof GROUPS)[number];
