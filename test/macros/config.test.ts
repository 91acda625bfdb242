/** switchboard.yml's `macros:` and the placeholders, as pure functions. */
import { describe, expect, it } from 'vitest';
import { parseDeskConfig } from '../../src/desk-config.ts';
import { fillPlaceholders } from '../../src/macros/index.ts';
import { macroTextProblem } from '../../src/macros/placeholders.ts';

const parse = (yaml: string) => parseDeskConfig(yaml, 'switchboard.yml', 'C0TRIAGE01');

describe('the macros: section of switchboard.yml', () => {
  it('reads each macro with what it sets, tags as stored', () => {
    const { macros, problems } = parse(`macros:
  - name: refund-sent
    text: "Hi {{customer.name}}"
    status: resolved
    priority: urgent
    tags: ["#Refund"]
  - { name: hello, text: Hello }
`);
    expect(problems).toEqual([]);
    expect(macros).toEqual([
      { name: 'refund-sent', text: 'Hi {{customer.name}}', status: 'resolved', priority: 'urgent', tags: ['refund'] },
      { name: 'hello', text: 'Hello', status: null, priority: null, tags: [] },
    ]);
    expect(parse('teams: []').macros).toEqual([]);
  });

  it('names every problem by its path', () => {
    const { problems } = parse(`macros:
  - name: Refund Sent
    text: "Hi {{customer.email}}"
    status: closed
    colour: red
  - name: hello
    text: "  "
  - name: hello
    text: Hi
    priority: asap
`);
    expect(problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([
      'switchboard.yml: macros[0].name: must be a short name: lower-case letters, digits, - and _ (up to 40)',
      'switchboard.yml: macros[0].text: {{customer.email}} is not a placeholder: use {{customer.name}}, {{ticket.number}}, {{agent.name}}',
      'switchboard.yml: macros[0].status: must be one of pending, resolved',
      'switchboard.yml: macros[0]: unknown field colour (known: name, text, status, priority, tags)',
      'switchboard.yml: macros[1].text: the text is empty',
      'switchboard.yml: macros[2].priority: must be one of low, normal, high, urgent',
    ]);
    expect(parse('macros:\n  - { name: a, text: x }\n  - { name: a, text: y }\n').problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([
      'switchboard.yml: macros[1].name: another macro is already named a',
    ]);
  });
});

describe('placeholders', () => {
  it('fills in each known one, with or without spaces inside the braces, and leaves other braces alone', () => {
    const values = { 'customer.name': 'Nora', 'ticket.number': '12', 'agent.name': 'Ada' };
    expect(fillPlaceholders('Hi {{customer.name}}, #{{ ticket.number }} · {{agent.name}} {x}', values)).toBe('Hi Nora, #12 · Ada {x}');
    expect(macroTextProblem('{{ticket.subject}} and {{a}}')).toBe('{{ticket.subject}}, {{a}} are not placeholders: use {{customer.name}}, {{ticket.number}}, {{agent.name}}');
    expect(macroTextProblem('Hi {{customer.name}}')).toBeUndefined();
  });
});
