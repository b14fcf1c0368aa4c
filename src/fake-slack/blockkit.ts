/**
 * Block Kit validation as Slack's API applies it. Error strings follow Slack's own shape,
 * `<problem> [json-pointer:/blocks/0/text/text]`; the API adds the `[ERROR] ` prefix in
 * `response_metadata.messages`. Limits are Slack's documented ones (docs.slack.dev, Block Kit reference).
 */
import { isObject } from './json.js';

export type Surface = 'message' | 'modal' | 'home';

export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  blockId: 255,
  actionId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  accessibilityLabel: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  selectOptions: 100,
  optionGroupLabel: 75,
  overflowMin: 2,
  overflowMax: 5,
  checkboxOptions: 10,
  placeholder: 150,
  inputLabel: 2000,
  inputHint: 2000,
  plainTextInputLength: 3000,
  imageAltText: 2000,
  imageTitle: 2000,
  markdownText: 12000,
  viewTitle: 24,
  viewButton: 24,
  callbackId: 255,
  privateMetadata: 3000,
  externalId: 255,
  viewPushStack: 3,
} as const;

class Ctx {
  readonly errors: string[] = [];
  readonly blockIds = new Set<string>();
  constructor(readonly surface: Surface) {}
  err(ptr: string, message: string): void {
    this.errors.push(`${message} [json-pointer:${ptr}]`);
  }
}

function checkKeys(ctx: Ctx, obj: Record<string, unknown>, allowed: readonly string[], ptr: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) ctx.err(`${ptr}/${key}`, `invalid additional property: ${key}`);
  }
}

interface StrOpts {
  required?: boolean;
  max?: number;
  min?: number;
}

function checkString(ctx: Ctx, obj: Record<string, unknown>, key: string, ptr: string, opts: StrOpts): string | undefined {
  const value = obj[key];
  if (value === undefined) {
    if (opts.required) ctx.err(ptr, `missing required field: ${key}`);
    return undefined;
  }
  if (typeof value !== 'string') {
    ctx.err(`${ptr}/${key}`, 'must provide a string');
    return undefined;
  }
  const min = opts.min ?? 0;
  if (value.length < min) ctx.err(`${ptr}/${key}`, `must be at least ${min} characters`);
  if (opts.max !== undefined && value.length > opts.max) {
    ctx.err(`${ptr}/${key}`, `must be less than ${opts.max + 1} characters`);
  }
  return value;
}

function checkBool(ctx: Ctx, obj: Record<string, unknown>, key: string, ptr: string, required = false): void {
  const value = obj[key];
  if (value === undefined) {
    if (required) ctx.err(ptr, `missing required field: ${key}`);
    return;
  }
  if (typeof value !== 'boolean') ctx.err(`${ptr}/${key}`, 'must provide a boolean');
}

function checkInt(ctx: Ctx, obj: Record<string, unknown>, key: string, ptr: string, min: number, max?: number): number | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    ctx.err(`${ptr}/${key}`, 'must provide an integer');
    return undefined;
  }
  if (value < min) ctx.err(`${ptr}/${key}`, `must be greater than or equal to ${min}`);
  if (max !== undefined && value > max) ctx.err(`${ptr}/${key}`, `must be less than or equal to ${max}`);
  return value;
}

interface TextOpts {
  plainOnly?: boolean;
  max: number;
  required?: boolean;
}

/** Validates a text object at obj[key]; returns its text. */
function checkText(ctx: Ctx, obj: Record<string, unknown>, key: string, ptr: string, opts: TextOpts): string | undefined {
  const value = obj[key];
  const p = `${ptr}/${key}`;
  if (value === undefined) {
    if (opts.required !== false) ctx.err(ptr, `missing required field: ${key}`);
    return undefined;
  }
  return checkTextObject(ctx, value, p, opts);
}

function checkTextObject(ctx: Ctx, value: unknown, p: string, opts: TextOpts): string | undefined {
  if (!isObject(value)) {
    ctx.err(p, 'must provide an object');
    return undefined;
  }
  const type = value['type'];
  if (type !== 'plain_text' && type !== 'mrkdwn') {
    ctx.err(`${p}/type`, 'must be one of plain_text, mrkdwn');
    return undefined;
  }
  if (opts.plainOnly && type !== 'plain_text') {
    ctx.err(`${p}/type`, 'must be plain_text (mrkdwn is not allowed here)');
  }
  checkKeys(ctx, value, type === 'plain_text' ? ['type', 'text', 'emoji'] : ['type', 'text', 'verbatim'], p);
  if (type === 'plain_text') checkBool(ctx, value, 'emoji', p);
  else checkBool(ctx, value, 'verbatim', p);
  const text = value['text'];
  if (text === undefined) {
    ctx.err(p, 'missing required field: text');
    return undefined;
  }
  if (typeof text !== 'string') {
    ctx.err(`${p}/text`, 'must provide a string');
    return undefined;
  }
  if (text.length === 0) ctx.err(`${p}/text`, 'must be more than 0 characters');
  if (text.length > opts.max) ctx.err(`${p}/text`, `must be less than ${opts.max + 1} characters`);
  return text;
}

function checkUrl(ctx: Ctx, obj: Record<string, unknown>, key: string, ptr: string, required = false): void {
  const url = checkString(ctx, obj, key, ptr, { required, max: LIMITS.url, min: 1 });
  if (url !== undefined && url.length > 0 && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    ctx.err(`${ptr}/${key}`, 'must be a valid url');
  }
}

function checkConfirm(ctx: Ctx, el: Record<string, unknown>, ptr: string): void {
  const confirm = el['confirm'];
  if (confirm === undefined) return;
  const p = `${ptr}/confirm`;
  if (!isObject(confirm)) {
    ctx.err(p, 'must provide an object');
    return;
  }
  checkKeys(ctx, confirm, ['title', 'text', 'confirm', 'deny', 'style'], p);
  checkText(ctx, confirm, 'title', p, { plainOnly: true, max: LIMITS.confirmTitle });
  checkText(ctx, confirm, 'text', p, { max: LIMITS.confirmText });
  checkText(ctx, confirm, 'confirm', p, { plainOnly: true, max: LIMITS.confirmButton });
  checkText(ctx, confirm, 'deny', p, { plainOnly: true, max: LIMITS.confirmButton });
  checkStyle(ctx, confirm, p);
}

function checkStyle(ctx: Ctx, obj: Record<string, unknown>, ptr: string): void {
  const style = obj['style'];
  if (style !== undefined && style !== 'primary' && style !== 'danger') {
    ctx.err(`${ptr}/style`, 'must be one of primary, danger');
  }
}

interface OptionOpts {
  allowMrkdwn?: boolean;
  allowUrl?: boolean;
}

function checkOption(ctx: Ctx, option: unknown, p: string, opts: OptionOpts): void {
  if (!isObject(option)) {
    ctx.err(p, 'must provide an object');
    return;
  }
  checkKeys(ctx, option, opts.allowUrl ? ['text', 'value', 'description', 'url'] : ['text', 'value', 'description'], p);
  checkText(ctx, option, 'text', p, { plainOnly: !opts.allowMrkdwn, max: LIMITS.optionText });
  checkString(ctx, option, 'value', p, { required: true, max: LIMITS.optionValue });
  checkText(ctx, option, 'description', p, {
    plainOnly: !opts.allowMrkdwn,
    max: LIMITS.optionDescription,
    required: false,
  });
  if (opts.allowUrl) checkUrl(ctx, option, 'url', p);
}

function checkOptionList(
  ctx: Ctx,
  el: Record<string, unknown>,
  key: string,
  ptr: string,
  bounds: { min: number; max: number; required: boolean },
  opts: OptionOpts,
): void {
  const list = el[key];
  const p = `${ptr}/${key}`;
  if (list === undefined) {
    if (bounds.required) ctx.err(ptr, `missing required field: ${key}`);
    return;
  }
  if (!Array.isArray(list)) {
    ctx.err(p, 'must provide an array');
    return;
  }
  if (list.length < bounds.min) ctx.err(p, `must provide at least ${bounds.min} items`);
  if (list.length > bounds.max) ctx.err(p, `must provide no more than ${bounds.max} items`);
  list.forEach((o, i) => checkOption(ctx, o, `${p}/${i}`, opts));
}

function checkInitialOption(ctx: Ctx, el: Record<string, unknown>, key: string, ptr: string, opts: OptionOpts): void {
  const value = el[key];
  if (value === undefined) return;
  checkOption(ctx, value, `${ptr}/${key}`, opts);
}

function checkInitialOptions(ctx: Ctx, el: Record<string, unknown>, key: string, ptr: string, opts: OptionOpts): void {
  const value = el[key];
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    ctx.err(`${ptr}/${key}`, 'must provide an array');
    return;
  }
  value.forEach((o, i) => checkOption(ctx, o, `${ptr}/${key}/${i}`, opts));
}

function checkStaticOptions(ctx: Ctx, el: Record<string, unknown>, ptr: string): void {
  const hasOptions = el['options'] !== undefined;
  const hasGroups = el['option_groups'] !== undefined;
  if (hasOptions === hasGroups) {
    ctx.err(ptr, 'must provide exactly one of options, option_groups');
  }
  checkOptionList(ctx, el, 'options', ptr, { min: 1, max: LIMITS.selectOptions, required: false }, {});
  const groups = el['option_groups'];
  if (groups === undefined) return;
  const gp = `${ptr}/option_groups`;
  if (!Array.isArray(groups)) {
    ctx.err(gp, 'must provide an array');
    return;
  }
  if (groups.length > LIMITS.selectOptions) ctx.err(gp, `must provide no more than ${LIMITS.selectOptions} items`);
  groups.forEach((g, i) => {
    const p = `${gp}/${i}`;
    if (!isObject(g)) {
      ctx.err(p, 'must provide an object');
      return;
    }
    checkKeys(ctx, g, ['label', 'options'], p);
    checkText(ctx, g, 'label', p, { plainOnly: true, max: LIMITS.optionGroupLabel });
    checkOptionList(ctx, g, 'options', p, { min: 1, max: LIMITS.selectOptions, required: true }, {});
  });
}

function checkPlaceholder(ctx: Ctx, el: Record<string, unknown>, ptr: string): void {
  checkText(ctx, el, 'placeholder', ptr, { plainOnly: true, max: LIMITS.placeholder, required: false });
}

function checkStringArray(ctx: Ctx, el: Record<string, unknown>, key: string, ptr: string): void {
  const value = el[key];
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    ctx.err(`${ptr}/${key}`, 'must provide an array of strings');
  }
}

function checkDispatchConfig(ctx: Ctx, el: Record<string, unknown>, ptr: string): void {
  const cfg = el['dispatch_action_config'];
  if (cfg === undefined) return;
  const p = `${ptr}/dispatch_action_config`;
  if (!isObject(cfg)) {
    ctx.err(p, 'must provide an object');
    return;
  }
  checkKeys(ctx, cfg, ['trigger_actions_on'], p);
  const on = cfg['trigger_actions_on'];
  if (
    on !== undefined &&
    (!Array.isArray(on) || on.some((v) => v !== 'on_enter_pressed' && v !== 'on_character_entered'))
  ) {
    ctx.err(`${p}/trigger_actions_on`, 'must be an array of on_enter_pressed, on_character_entered');
  }
}

type ElementCheck = (ctx: Ctx, el: Record<string, unknown>, ptr: string) => void;
interface ElementSpec {
  keys: readonly string[];
  check: ElementCheck;
}

const COMMON = ['type', 'action_id'] as const;
const FOCUS = 'focus_on_load';

function selectSpec(extraKeys: string[], check: ElementCheck): ElementSpec {
  return { keys: [...COMMON, 'placeholder', 'confirm', FOCUS, ...extraKeys], check: (ctx, el, p) => {
    checkPlaceholder(ctx, el, p);
    checkConfirm(ctx, el, p);
    checkBool(ctx, el, FOCUS, p);
    check(ctx, el, p);
  } };
}

const maxSelected: ElementCheck = (ctx, el, p) => {
  checkInt(ctx, el, 'max_selected_items', p, 1);
};

const ELEMENTS: Record<string, ElementSpec> = {
  button: {
    keys: [...COMMON, 'text', 'url', 'value', 'style', 'confirm', 'accessibility_label'],
    check: (ctx, el, p) => {
      checkText(ctx, el, 'text', p, { plainOnly: true, max: LIMITS.buttonText });
      checkUrl(ctx, el, 'url', p);
      checkString(ctx, el, 'value', p, { max: LIMITS.buttonValue });
      checkStyle(ctx, el, p);
      checkConfirm(ctx, el, p);
      checkString(ctx, el, 'accessibility_label', p, { max: LIMITS.accessibilityLabel });
    },
  },
  workflow_button: {
    keys: [...COMMON, 'text', 'workflow', 'style', 'accessibility_label'],
    check: (ctx, el, p) => {
      checkText(ctx, el, 'text', p, { plainOnly: true, max: LIMITS.buttonText });
      if (!isObject(el['workflow'])) ctx.err(p, 'missing required field: workflow');
      checkStyle(ctx, el, p);
    },
  },
  static_select: selectSpec(['options', 'option_groups', 'initial_option'], (ctx, el, p) => {
    checkStaticOptions(ctx, el, p);
    checkInitialOption(ctx, el, 'initial_option', p, {});
  }),
  multi_static_select: selectSpec(['options', 'option_groups', 'initial_options', 'max_selected_items'], (ctx, el, p) => {
    checkStaticOptions(ctx, el, p);
    checkInitialOptions(ctx, el, 'initial_options', p, {});
    maxSelected(ctx, el, p);
  }),
  external_select: selectSpec(['initial_option', 'min_query_length'], (ctx, el, p) => {
    checkInitialOption(ctx, el, 'initial_option', p, {});
    checkInt(ctx, el, 'min_query_length', p, 0);
  }),
  multi_external_select: selectSpec(['initial_options', 'min_query_length', 'max_selected_items'], (ctx, el, p) => {
    checkInitialOptions(ctx, el, 'initial_options', p, {});
    checkInt(ctx, el, 'min_query_length', p, 0);
    maxSelected(ctx, el, p);
  }),
  users_select: selectSpec(['initial_user'], (ctx, el, p) => {
    checkString(ctx, el, 'initial_user', p, {});
  }),
  multi_users_select: selectSpec(['initial_users', 'max_selected_items'], (ctx, el, p) => {
    checkStringArray(ctx, el, 'initial_users', p);
    maxSelected(ctx, el, p);
  }),
  conversations_select: selectSpec(
    ['initial_conversation', 'default_to_current_conversation', 'response_url_enabled', 'filter'],
    (ctx, el, p) => {
      checkString(ctx, el, 'initial_conversation', p, {});
      checkBool(ctx, el, 'default_to_current_conversation', p);
      checkBool(ctx, el, 'response_url_enabled', p);
    },
  ),
  multi_conversations_select: selectSpec(
    ['initial_conversations', 'default_to_current_conversation', 'max_selected_items', 'filter'],
    (ctx, el, p) => {
      checkStringArray(ctx, el, 'initial_conversations', p);
      checkBool(ctx, el, 'default_to_current_conversation', p);
      maxSelected(ctx, el, p);
    },
  ),
  channels_select: selectSpec(['initial_channel', 'response_url_enabled'], (ctx, el, p) => {
    checkString(ctx, el, 'initial_channel', p, {});
    checkBool(ctx, el, 'response_url_enabled', p);
  }),
  multi_channels_select: selectSpec(['initial_channels', 'max_selected_items'], (ctx, el, p) => {
    checkStringArray(ctx, el, 'initial_channels', p);
    maxSelected(ctx, el, p);
  }),
  overflow: {
    keys: [...COMMON, 'options', 'confirm'],
    check: (ctx, el, p) => {
      checkOptionList(
        ctx,
        el,
        'options',
        p,
        { min: LIMITS.overflowMin, max: LIMITS.overflowMax, required: true },
        { allowUrl: true },
      );
      checkConfirm(ctx, el, p);
    },
  },
  datepicker: {
    keys: [...COMMON, 'initial_date', 'confirm', FOCUS, 'placeholder'],
    check: (ctx, el, p) => {
      const d = checkString(ctx, el, 'initial_date', p, {});
      if (d !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(d)) ctx.err(`${p}/initial_date`, 'must be in YYYY-MM-DD format');
      checkConfirm(ctx, el, p);
      checkPlaceholder(ctx, el, p);
    },
  },
  timepicker: {
    keys: [...COMMON, 'initial_time', 'confirm', FOCUS, 'placeholder', 'timezone'],
    check: (ctx, el, p) => {
      const t = checkString(ctx, el, 'initial_time', p, {});
      if (t !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(t)) ctx.err(`${p}/initial_time`, 'must be in HH:mm format');
      checkConfirm(ctx, el, p);
      checkPlaceholder(ctx, el, p);
      checkString(ctx, el, 'timezone', p, {});
    },
  },
  datetimepicker: {
    keys: [...COMMON, 'initial_date_time', 'confirm', FOCUS],
    check: (ctx, el, p) => {
      checkInt(ctx, el, 'initial_date_time', p, 0);
      checkConfirm(ctx, el, p);
    },
  },
  checkboxes: {
    keys: [...COMMON, 'options', 'initial_options', 'confirm', FOCUS],
    check: (ctx, el, p) => {
      checkOptionList(ctx, el, 'options', p, { min: 1, max: LIMITS.checkboxOptions, required: true }, { allowMrkdwn: true });
      checkInitialOptions(ctx, el, 'initial_options', p, { allowMrkdwn: true });
      checkConfirm(ctx, el, p);
    },
  },
  radio_buttons: {
    keys: [...COMMON, 'options', 'initial_option', 'confirm', FOCUS],
    check: (ctx, el, p) => {
      checkOptionList(ctx, el, 'options', p, { min: 1, max: LIMITS.checkboxOptions, required: true }, { allowMrkdwn: true });
      checkInitialOption(ctx, el, 'initial_option', p, { allowMrkdwn: true });
      checkConfirm(ctx, el, p);
    },
  },
  plain_text_input: {
    keys: [...COMMON, 'placeholder', 'initial_value', 'multiline', 'min_length', 'max_length', 'dispatch_action_config', FOCUS],
    check: (ctx, el, p) => {
      checkPlaceholder(ctx, el, p);
      const maxLen = checkInt(ctx, el, 'max_length', p, 1, LIMITS.plainTextInputLength);
      const minLen = checkInt(ctx, el, 'min_length', p, 0, LIMITS.plainTextInputLength);
      if (maxLen !== undefined && minLen !== undefined && minLen > maxLen) {
        ctx.err(`${p}/min_length`, 'must be less than or equal to max_length');
      }
      const initial = checkString(ctx, el, 'initial_value', p, {});
      if (initial !== undefined && maxLen !== undefined && initial.length > maxLen) {
        ctx.err(`${p}/initial_value`, `must be less than ${maxLen + 1} characters`);
      }
      checkBool(ctx, el, 'multiline', p);
      checkDispatchConfig(ctx, el, p);
    },
  },
  number_input: {
    keys: [...COMMON, 'is_decimal_allowed', 'initial_value', 'min_value', 'max_value', 'dispatch_action_config', FOCUS, 'placeholder'],
    check: (ctx, el, p) => {
      checkBool(ctx, el, 'is_decimal_allowed', p, true);
      for (const key of ['initial_value', 'min_value', 'max_value']) {
        const v = checkString(ctx, el, key, p, {});
        if (v !== undefined && !/^-?\d+(\.\d+)?$/.test(v)) ctx.err(`${p}/${key}`, 'must be a numeric string');
      }
      checkPlaceholder(ctx, el, p);
      checkDispatchConfig(ctx, el, p);
    },
  },
  email_text_input: {
    keys: [...COMMON, 'initial_value', 'dispatch_action_config', FOCUS, 'placeholder'],
    check: (ctx, el, p) => {
      checkString(ctx, el, 'initial_value', p, {});
      checkPlaceholder(ctx, el, p);
      checkDispatchConfig(ctx, el, p);
    },
  },
  url_text_input: {
    keys: [...COMMON, 'initial_value', 'dispatch_action_config', FOCUS, 'placeholder'],
    check: (ctx, el, p) => {
      checkString(ctx, el, 'initial_value', p, {});
      checkPlaceholder(ctx, el, p);
      checkDispatchConfig(ctx, el, p);
    },
  },
  rich_text_input: {
    keys: [...COMMON, 'initial_value', 'dispatch_action_config', FOCUS, 'placeholder'],
    check: (ctx, el, p) => {
      checkPlaceholder(ctx, el, p);
      checkDispatchConfig(ctx, el, p);
    },
  },
  file_input: {
    keys: [...COMMON, 'filetypes', 'max_files'],
    check: (ctx, el, p) => {
      checkStringArray(ctx, el, 'filetypes', p);
      checkInt(ctx, el, 'max_files', p, 1, 10);
    },
  },
  image: {
    keys: ['type', 'image_url', 'slack_file', 'alt_text'],
    check: (ctx, el, p) => checkImageSource(ctx, el, p),
  },
};

function checkImageSource(ctx: Ctx, el: Record<string, unknown>, p: string): void {
  const hasUrl = el['image_url'] !== undefined;
  const hasFile = el['slack_file'] !== undefined;
  if (hasUrl === hasFile) ctx.err(p, 'must provide exactly one of image_url, slack_file');
  if (hasUrl) checkUrl(ctx, el, 'image_url', p, true);
  if (hasFile && !isObject(el['slack_file'])) ctx.err(`${p}/slack_file`, 'must provide an object');
  checkString(ctx, el, 'alt_text', p, { required: true, max: LIMITS.imageAltText, min: 1 });
}

const SELECTS = [
  'static_select', 'external_select', 'users_select', 'conversations_select', 'channels_select',
  'multi_static_select', 'multi_external_select', 'multi_users_select', 'multi_conversations_select', 'multi_channels_select',
];

export const SECTION_ACCESSORY_TYPES: readonly string[] = [
  'button', 'checkboxes', 'datepicker', 'image', 'overflow', 'radio_buttons', 'timepicker', 'workflow_button', ...SELECTS,
];
export const ACTIONS_ELEMENT_TYPES: readonly string[] = [
  'button', 'checkboxes', 'datepicker', 'datetimepicker', 'overflow', 'radio_buttons', 'timepicker', 'workflow_button',
  'rich_text_input', ...SELECTS,
];
export const INPUT_ELEMENT_TYPES: readonly string[] = [
  'checkboxes', 'datepicker', 'datetimepicker', 'email_text_input', 'file_input', 'number_input', 'plain_text_input',
  'radio_buttons', 'rich_text_input', 'timepicker', 'url_text_input', ...SELECTS,
];

/** Validates one element; returns its action_id (if any) for uniqueness checks. */
function checkElement(ctx: Ctx, el: unknown, ptr: string, allowed: readonly string[]): string | undefined {
  if (!isObject(el)) {
    ctx.err(ptr, 'must provide an object');
    return undefined;
  }
  const type = el['type'];
  if (typeof type !== 'string') {
    ctx.err(ptr, 'missing required field: type');
    return undefined;
  }
  const spec = ELEMENTS[type];
  if (!spec) {
    ctx.err(`${ptr}/type`, `unsupported type: ${type}`);
    return undefined;
  }
  if (!allowed.includes(type)) {
    ctx.err(`${ptr}/type`, `element type ${type} is not allowed here (allowed: ${allowed.join(', ')})`);
    return undefined;
  }
  checkKeys(ctx, el, spec.keys, ptr);
  const actionId = spec.keys.includes('action_id')
    ? checkString(ctx, el, 'action_id', ptr, { max: LIMITS.actionId, min: 1 })
    : undefined;
  spec.check(ctx, el, ptr);
  return actionId;
}

function checkElementsArray(
  ctx: Ctx,
  block: Record<string, unknown>,
  ptr: string,
  max: number,
  each: (el: unknown, p: string) => string | undefined,
): void {
  const elements = block['elements'];
  const p = `${ptr}/elements`;
  if (elements === undefined) {
    ctx.err(ptr, 'missing required field: elements');
    return;
  }
  if (!Array.isArray(elements)) {
    ctx.err(p, 'must provide an array');
    return;
  }
  if (elements.length === 0) ctx.err(p, 'must provide at least 1 items');
  if (elements.length > max) ctx.err(p, `must provide no more than ${max} items`);
  const seen = new Set<string>();
  elements.forEach((el, i) => {
    const actionId = each(el, `${p}/${i}`);
    if (actionId !== undefined) {
      if (seen.has(actionId)) ctx.err(`${p}/${i}/action_id`, `duplicate action_id: ${actionId}`);
      seen.add(actionId);
    }
  });
}

type BlockCheck = (ctx: Ctx, block: Record<string, unknown>, ptr: string) => void;
interface BlockSpec {
  keys: readonly string[];
  surfaces: readonly Surface[];
  check: BlockCheck;
}

const ALL: readonly Surface[] = ['message', 'modal', 'home'];

const BLOCKS: Record<string, BlockSpec> = {
  section: {
    keys: ['type', 'block_id', 'text', 'fields', 'accessory', 'expand'],
    surfaces: ALL,
    check: (ctx, b, p) => {
      if (b['text'] === undefined && b['fields'] === undefined) {
        ctx.err(p, 'must define either `text` or `fields`');
      }
      checkText(ctx, b, 'text', p, { max: LIMITS.sectionText, required: false });
      const fields = b['fields'];
      if (fields !== undefined) {
        if (!Array.isArray(fields)) ctx.err(`${p}/fields`, 'must provide an array');
        else {
          if (fields.length === 0) ctx.err(`${p}/fields`, 'must provide at least 1 items');
          if (fields.length > LIMITS.sectionFields) {
            ctx.err(`${p}/fields`, `must provide no more than ${LIMITS.sectionFields} items`);
          }
          fields.forEach((f, i) => checkTextObject(ctx, f, `${p}/fields/${i}`, { max: LIMITS.sectionFieldText }));
        }
      }
      if (b['accessory'] !== undefined) checkElement(ctx, b['accessory'], `${p}/accessory`, SECTION_ACCESSORY_TYPES);
      checkBool(ctx, b, 'expand', p);
    },
  },
  header: {
    keys: ['type', 'block_id', 'text'],
    surfaces: ALL,
    check: (ctx, b, p) => {
      checkText(ctx, b, 'text', p, { plainOnly: true, max: LIMITS.headerText });
    },
  },
  divider: { keys: ['type', 'block_id'], surfaces: ALL, check: () => undefined },
  context: {
    keys: ['type', 'block_id', 'elements'],
    surfaces: ALL,
    check: (ctx, b, p) => {
      checkElementsArray(ctx, b, p, LIMITS.contextElements, (el, ep) => {
        if (isObject(el) && el['type'] === 'image') return checkElement(ctx, el, ep, ['image']);
        checkTextObject(ctx, el, ep, { max: LIMITS.sectionText });
        return undefined;
      });
    },
  },
  actions: {
    keys: ['type', 'block_id', 'elements'],
    surfaces: ALL,
    check: (ctx, b, p) => {
      checkElementsArray(ctx, b, p, LIMITS.actionsElements, (el, ep) => checkElement(ctx, el, ep, ACTIONS_ELEMENT_TYPES));
    },
  },
  image: {
    keys: ['type', 'block_id', 'image_url', 'slack_file', 'alt_text', 'title'],
    surfaces: ALL,
    check: (ctx, b, p) => {
      checkImageSource(ctx, b, p);
      checkText(ctx, b, 'title', p, { plainOnly: true, max: LIMITS.imageTitle, required: false });
    },
  },
  input: {
    keys: ['type', 'block_id', 'label', 'element', 'hint', 'optional', 'dispatch_action'],
    surfaces: ['modal', 'home'],
    check: (ctx, b, p) => {
      checkText(ctx, b, 'label', p, { plainOnly: true, max: LIMITS.inputLabel });
      checkText(ctx, b, 'hint', p, { plainOnly: true, max: LIMITS.inputHint, required: false });
      checkBool(ctx, b, 'optional', p);
      checkBool(ctx, b, 'dispatch_action', p);
      if (b['element'] === undefined) ctx.err(p, 'missing required field: element');
      else checkElement(ctx, b['element'], `${p}/element`, INPUT_ELEMENT_TYPES);
    },
  },
  rich_text: {
    keys: ['type', 'block_id', 'elements'],
    surfaces: ALL,
    check: (ctx, b, p) => {
      if (!Array.isArray(b['elements'])) ctx.err(p, 'missing required field: elements');
    },
  },
  markdown: {
    keys: ['type', 'block_id', 'text'],
    surfaces: ['message'],
    check: (ctx, b, p) => {
      checkString(ctx, b, 'text', p, { required: true, min: 1, max: LIMITS.markdownText });
    },
  },
};

function checkBlock(ctx: Ctx, block: unknown, ptr: string): void {
  if (!isObject(block)) {
    ctx.err(ptr, 'must provide an object');
    return;
  }
  const type = block['type'];
  if (typeof type !== 'string') {
    ctx.err(ptr, 'missing required field: type');
    return;
  }
  const spec = BLOCKS[type];
  if (!spec) {
    ctx.err(`${ptr}/type`, `unsupported type: ${type}`);
    return;
  }
  if (!spec.surfaces.includes(ctx.surface)) {
    ctx.err(`${ptr}/type`, `block type ${type} is not supported in ${ctx.surface} surfaces`);
    return;
  }
  checkKeys(ctx, block, spec.keys, ptr);
  const blockId = checkString(ctx, block, 'block_id', ptr, { max: LIMITS.blockId, min: 1 });
  if (blockId !== undefined) {
    if (ctx.blockIds.has(blockId)) ctx.err(`${ptr}/block_id`, `duplicate block_id: ${blockId}`);
    ctx.blockIds.add(blockId);
  }
  spec.check(ctx, block, ptr);
}

/**
 * Validates a blocks array for a surface. Returns Slack-style error strings (empty when valid).
 * `pointer` is the JSON pointer of the array (default `/blocks`; `/view/blocks` for views).
 */
export function validateBlocks(blocks: unknown, surface: Surface, pointer = '/blocks'): string[] {
  const ctx = new Ctx(surface);
  validateBlocksInto(ctx, blocks, pointer);
  return ctx.errors;
}

function validateBlocksInto(ctx: Ctx, blocks: unknown, pointer: string): void {
  if (!Array.isArray(blocks)) {
    ctx.err(pointer, 'must provide an array');
    return;
  }
  const max = ctx.surface === 'message' ? LIMITS.blocksPerMessage : LIMITS.blocksPerView;
  if (blocks.length > max) ctx.err(pointer, `must provide no more than ${max} items`);
  blocks.forEach((b, i) => checkBlock(ctx, b, `${pointer}/${i}`));
}

const VIEW_KEYS = [
  'type', 'title', 'blocks', 'close', 'submit', 'private_metadata', 'callback_id', 'clear_on_close',
  'notify_on_close', 'external_id', 'submit_disabled',
];

/**
 * Validates a view object (modal or home). Returns Slack-style error strings with pointers under `/view`;
 * the API answers these as `invalid_arguments`.
 */
export function validateView(view: unknown, pointer = '/view'): string[] {
  if (!isObject(view)) return [`must provide an object [json-pointer:${pointer}]`];
  const type = view['type'];
  if (type !== 'modal' && type !== 'home') {
    return [`must be one of modal, home [json-pointer:${pointer}/type]`];
  }
  const ctx = new Ctx(type);
  checkKeys(ctx, view, VIEW_KEYS, pointer);
  if (type === 'modal') {
    checkText(ctx, view, 'title', pointer, { plainOnly: true, max: LIMITS.viewTitle });
    checkText(ctx, view, 'close', pointer, { plainOnly: true, max: LIMITS.viewButton, required: false });
    checkText(ctx, view, 'submit', pointer, { plainOnly: true, max: LIMITS.viewButton, required: false });
    checkBool(ctx, view, 'clear_on_close', pointer);
    checkBool(ctx, view, 'notify_on_close', pointer);
    checkBool(ctx, view, 'submit_disabled', pointer);
  } else {
    checkText(ctx, view, 'title', pointer, { plainOnly: true, max: LIMITS.viewTitle, required: false });
  }
  checkString(ctx, view, 'private_metadata', pointer, { max: LIMITS.privateMetadata });
  checkString(ctx, view, 'callback_id', pointer, { max: LIMITS.callbackId });
  checkString(ctx, view, 'external_id', pointer, { max: LIMITS.externalId });
  const blocks = view['blocks'];
  if (blocks === undefined) ctx.err(pointer, 'missing required field: blocks');
  else validateBlocksInto(ctx, blocks, `${pointer}/blocks`);
  if (
    type === 'modal' &&
    view['submit'] === undefined &&
    Array.isArray(blocks) &&
    blocks.some((b) => isObject(b) && b['type'] === 'input')
  ) {
    ctx.err(pointer, 'must provide submit property when using input blocks');
  }
  return ctx.errors;
}
