import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';

/** One listing of an index whose entries for one logical key (a status, a vendor) are spread over several partition keys. */
export interface ShardedIndexQuery {
  readonly tableName: string;
  readonly indexName: string;
  /** The index's partition and sort key attributes. */
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Every partition key the entries may be under: the shards, and any key written before the index was sharded. */
  readonly keys: readonly string[];
  /** Sort key bounds, inclusive (either may be left out). */
  readonly from?: string;
  readonly to?: string;
  /** The sort key the previous page ended at: this page lists what sorts before it. */
  readonly after?: string;
  readonly limit: number;
}

export interface ShardedIndexPage {
  /** The page's index entries, newest (highest sort key) first. */
  readonly entries: Array<Record<string, AttributeValue>>;
  /** The sort key of the page's last entry, when more may follow. */
  readonly next?: string;
}

/**
 * One page, newest first, of an index whose sort keys are unique across its shards (`<createdAt>#<orderId>`): every
 * key is read in parallel, newest first with Limit = limit + 1 over the same range, and the results merged by sort
 * key; the newest `limit` are the page and the position is the sort key of its last entry. The next page reads every
 * key again from that position down (inclusive, so the one entry equal to it is dropped: hence the + 1). A page costs
 * one Query per key and reads at most (limit + 1) entries per key, whatever the index holds.
 */
export async function newestAcrossShards(client: DynamoDBClient, query: ShardedIndexQuery): Promise<ShardedIndexPage> {
  const { after, from } = query;
  const to = after !== undefined && (query.to === undefined || after < query.to) ? after : query.to;
  if (from !== undefined && to !== undefined && to < from) return { entries: [] };
  const sortKeyOf = (item: Record<string, AttributeValue>) => item[query.sortKey]?.S ?? '';
  const range =
    from !== undefined && to !== undefined
      ? ' AND #sk BETWEEN :from AND :to'
      : from !== undefined
        ? ' AND #sk >= :from'
        : to !== undefined
          ? ' AND #sk <= :to'
          : '';
  const shards = await Promise.all(
    query.keys.map(async (key) => {
      const page = await client.send(
        new QueryCommand({
          TableName: query.tableName,
          IndexName: query.indexName,
          KeyConditionExpression: `#pk = :key${range}`,
          ExpressionAttributeNames: { '#pk': query.partitionKey, ...(range ? { '#sk': query.sortKey } : {}) },
          ExpressionAttributeValues: {
            ':key': { S: key },
            ...(range.includes(':from') ? { ':from': { S: from as string } } : {}),
            ...(range.includes(':to') ? { ':to': { S: to as string } } : {}),
          },
          ScanIndexForward: false,
          Limit: query.limit + 1,
        }),
      );
      return { entries: (page.Items ?? []).filter((item) => sortKeyOf(item) !== after), more: page.LastEvaluatedKey !== undefined };
    }),
  );
  const merged = shards.flatMap((shard) => shard.entries).sort((a, b) => (sortKeyOf(a) < sortKeyOf(b) ? 1 : -1));
  const entries = merged.slice(0, query.limit);
  // More when an entry was left over, or a key stopped at its Limit (then the next page may come back empty).
  const more = merged.length > entries.length || shards.some((shard) => shard.more);
  const end = entries.at(-1);
  return { entries, ...(more && end ? { next: sortKeyOf(end) } : {}) };
}
