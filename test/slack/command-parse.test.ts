import { describe, expect, it } from 'vitest';
import { helpText, parseTicketCommand, USAGE } from '../../src/slack/command-parse.ts';

describe('/ticket parsing', () => {
  it('reads the token commands, the name with straight or curly quotes or none', () => {
    expect(parseTicketCommand('token new read "CRM sync"')).toEqual({ kind: 'token-new', scope: 'read', name: 'CRM sync' });
    expect(parseTicketCommand('token new INTAKE “contact form”')).toEqual({ kind: 'token-new', scope: 'intake', name: 'contact form' });
    expect(parseTicketCommand('token new admin ops bot')).toEqual({ kind: 'token-new', scope: 'admin', name: 'ops bot' });
    expect(parseTicketCommand('token list')).toEqual({ kind: 'token-list' });
    expect(parseTicketCommand('token revoke 12')).toEqual({ kind: 'token-revoke', id: 12 });
    expect(parseTicketCommand('token new write "x"')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('"write" is not a scope') });
    expect(parseTicketCommand('token new read ""')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('name the token') });
    expect(parseTicketCommand(`token new read "${'x'.repeat(101)}"`)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('at most 100') });
    expect(parseTicketCommand('token revoke')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('say which token') });
    expect(parseTicketCommand('token rotate 1')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('/ticket token new') });
  });

  it('reads every subcommand', () => {
    expect(parseTicketCommand('')).toEqual({ kind: 'help' });
    expect(parseTicketCommand('help')).toEqual({ kind: 'help' });
    expect(parseTicketCommand('list')).toEqual({ kind: 'list', filter: 'active' });
    expect(parseTicketCommand('list mine')).toEqual({ kind: 'list', filter: 'mine' });
    expect(parseTicketCommand('LIST Pending')).toEqual({ kind: 'list', filter: 'pending' });
    expect(parseTicketCommand('list all')).toEqual({ kind: 'list', filter: 'all' });
    expect(parseTicketCommand('sla')).toEqual({ kind: 'sla' });
    expect(parseTicketCommand('show 12')).toEqual({ kind: 'show', number: 12 });
    expect(parseTicketCommand('claim #12')).toEqual({ kind: 'claim', number: 12 });
    expect(parseTicketCommand('pending 3')).toEqual({ kind: 'pending', number: 3 });
    expect(parseTicketCommand('resolve 3')).toEqual({ kind: 'resolve', number: 3 });
    expect(parseTicketCommand('reopen 3')).toEqual({ kind: 'reopen', number: 3 });
    expect(parseTicketCommand('close 3')).toEqual({ kind: 'close', number: 3 });
    expect(parseTicketCommand('assign 5 <@U0AGENT002|grace>')).toEqual({ kind: 'assign', number: 5, user: 'U0AGENT002' });
    expect(parseTicketCommand('assign 5 <@U0AGENT002>')).toEqual({ kind: 'assign', number: 5, user: 'U0AGENT002' });
    expect(parseTicketCommand('assign 5 me')).toEqual({ kind: 'assign', number: 5, user: 'me' });
    expect(parseTicketCommand('priority 5 URGENT')).toEqual({ kind: 'priority', number: 5, priority: 'urgent' });
    expect(parseTicketCommand('escalate 5')).toEqual({ kind: 'escalate', number: 5, reason: null });
    expect(parseTicketCommand('escalate 5 customer threatens  to leave')).toEqual({ kind: 'escalate', number: 5, reason: 'customer threatens  to leave' });
    expect(parseTicketCommand('note 5 called them\nno answer')).toEqual({ kind: 'note', number: 5, text: 'called them\nno answer' });
    expect(parseTicketCommand('tag 5 billing vip')).toEqual({ kind: 'tag', number: 5, tags: ['billing', 'vip'] });
  });

  it('reads merges of tickets and of contacts, and the undo of a contact merge', () => {
    expect(parseTicketCommand('merge 12 #14')).toEqual({ kind: 'merge', number: 12, into: 14 });
    expect(parseTicketCommand('contact merge 3 7')).toEqual({ kind: 'contact-merge', from: 3, into: 7 });
    expect(parseTicketCommand('contact 12 vip')).toMatchObject({ kind: 'contact', number: 12, addTags: ['vip'] });
    expect(parseTicketCommand('contact unmerge 981')).toEqual({ kind: 'contact-unmerge', event: '981' });
    expect(parseTicketCommand('merge 12 12')).toEqual({ kind: 'invalid', message: '#12 cannot be merged into itself. Usage: `/ticket merge N M`' });
    expect(parseTicketCommand('merge 12 14 15')).toEqual({ kind: 'invalid', message: 'give two ticket numbers. Usage: `/ticket merge N M`' });
    expect(parseTicketCommand('contact merge 3')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('give two contact ids') });
    expect(parseTicketCommand('contact unmerge')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('Usage: `/ticket contact unmerge EVENT`') });
  });

  it('answers an unknown subcommand with a pointer to help', () => {
    expect(parseTicketCommand('frobnicate')).toEqual({ kind: 'invalid', message: '`frobnicate` is not a /ticket command. Try `/ticket help`.' });
  });

  it('answers wrong arguments with that subcommand\'s usage line and what was wrong', () => {
    expect(parseTicketCommand('priority 1 sometimes')).toEqual({ kind: 'invalid', message: `"sometimes" is not a priority. Usage: \`${USAGE.priority}\`` });
    expect(parseTicketCommand('show')).toEqual({ kind: 'invalid', message: `say which ticket. Usage: \`${USAGE.show}\`` });
    expect(parseTicketCommand('show twelve')).toEqual({ kind: 'invalid', message: `"twelve" is not a ticket number. Usage: \`${USAGE.show}\`` });
    expect(parseTicketCommand('claim 1 2')).toMatchObject({ kind: 'invalid', message: expect.stringContaining(USAGE.claim) });
    expect(parseTicketCommand('assign 1 @grace')).toMatchObject({ kind: 'invalid', message: expect.stringContaining(USAGE.assign) });
    expect(parseTicketCommand('list everything')).toMatchObject({ kind: 'invalid', message: expect.stringContaining(USAGE.list) });
    expect(parseTicketCommand('note 4')).toMatchObject({ kind: 'invalid', message: expect.stringContaining(USAGE.note) });
    expect(parseTicketCommand('tag 4')).toMatchObject({ kind: 'invalid', message: expect.stringContaining(USAGE.tag) });
  });

  it('lists every usage line in help', () => {
    for (const line of Object.values(USAGE)) expect(helpText()).toContain(line);
  });
});

describe('/ticket macro and /ticket kb parsing', () => {
  it('reads list, add, delete, a send and a pick, names lower-cased', () => {
    expect(parseTicketCommand('macro list')).toEqual({ kind: 'macro', macro: { action: 'list' } });
    expect(parseTicketCommand('macro add Refund-Sent')).toEqual({ kind: 'macro', macro: { action: 'add', name: 'refund-sent' } });
    expect(parseTicketCommand('macro delete thanks')).toEqual({ kind: 'macro', macro: { action: 'delete', name: 'thanks' } });
    expect(parseTicketCommand('macro #12 Thanks')).toEqual({ kind: 'macro', macro: { action: 'send', number: 12, name: 'thanks' } });
    expect(parseTicketCommand('macro 12')).toEqual({ kind: 'macro', macro: { action: 'pick', number: 12 } });
    expect(parseTicketCommand('kb  reset "my password" ')).toEqual({ kind: 'kb', words: 'reset "my password"' });
  });

  it('answers a wrong macro command with its usage line and what was wrong', () => {
    expect(parseTicketCommand('macro')).toEqual({ kind: 'invalid', message: `Usage: \`${USAGE.macro}\`` });
    expect(parseTicketCommand('macro add')).toEqual({ kind: 'invalid', message: `say which macro. Usage: \`${USAGE.macro}\`` });
    expect(parseTicketCommand('macro add two words')).toEqual({ kind: 'invalid', message: `a macro name is one word. Usage: \`${USAGE.macro}\`` });
    expect(parseTicketCommand('macro 12 two words')).toEqual({ kind: 'invalid', message: `a macro name is one word. Usage: \`${USAGE.macro}\`` });
    expect(parseTicketCommand('macro twelve thanks')).toEqual({ kind: 'invalid', message: `"twelve" is not a ticket number, list, add or delete. Usage: \`${USAGE.macro}\`` });
    expect(parseTicketCommand('kb')).toEqual({ kind: 'invalid', message: `say what to search for. Usage: \`${USAGE.kb}\`` });
  });
});
