/**
 * The project's search attributes in a namespace: which are missing, and registering them. A
 * workflow that upserts an attribute the namespace does not know fails its workflow task, so the
 * dev server registers what is missing (its `--search-attribute` flags only act on a fresh
 * database) and `handoff worker` refuses to start without them.
 */
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { cliSearchAttributeType, HANDOFF_SEARCH_ATTRIBUTES } from '../../workflows/definitions';

type OperatorService = temporal.api.operatorservice.v1.OperatorService;
const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const INDEXED: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The project's search attributes the namespace does not have, as `Name=Type`. */
export async function missingSearchAttributes(operator: OperatorService, namespace: string): Promise<string[]> {
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  return HANDOFF_SEARCH_ATTRIBUTES.filter((k) => !(customAttributes && k.name in customAttributes)).map((k) => `${k.name}=${cliSearchAttributeType(k.type)}`);
}

/** Register the missing ones; answers what it added. */
export async function registerSearchAttributes(operator: OperatorService, namespace: string): Promise<string[]> {
  const missing = await missingSearchAttributes(operator, namespace);
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(
    HANDOFF_SEARCH_ATTRIBUTES.filter((k) => missing.includes(`${k.name}=${cliSearchAttributeType(k.type)}`)).map((k) => [k.name, INDEXED[k.type]!]),
  );
  await operator.addSearchAttributes({ namespace, searchAttributes });
  return missing;
}

/** The commands an operator runs to add them. */
export function registrationCommands(missing: readonly string[], namespace: string): string {
  return missing
    .map((m) => {
      const [name, type] = m.split('=');
      return `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`;
    })
    .join('\n');
}
