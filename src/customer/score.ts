/**
 * Reading a customer's message as the answer to a survey: a score from 1 to 5 at its start, and
 * whatever follows as the comment ("4 thanks!" → 4, "thanks!"). Anything else is conversation
 * ("it broke again"), and so is a number that is part of something longer ("10 out of 10", "1st").
 */

// A digit 1–5 (or its keycap emoji), optionally "/5", "of 5", "stars", then the end or a break.
const SCORE = /^\s*([1-5])(?:\ufe0f?\u20e3)?(?:\s*(?:\/\s*5|(?:out\s+)?of\s+5|stars?|★+|⭐+))?(?=$|[\s.,;:!?)\]\-–—])(.*)$/isu;
// Only stars: their count is the score.
const STARS = /^\s*([★⭐](?:\s*[★⭐]){0,4})(?![★⭐])(?=$|[\s.,;:!?\-–—])(.*)$/su;
const SEPARATORS = /^[\s.,;:!?)\]\-–—]+/u;

/** The score and the comment after it, or undefined when the message is no score. */
export function parseScore(text: string): { score: number; comment: string | null } | undefined {
  const digit = SCORE.exec(text);
  if (digit) return { score: Number(digit[1]), comment: commentOf(digit[2]!) };
  const stars = STARS.exec(text);
  if (stars) return { score: [...stars[1]!.replace(/\s/g, '')].length, comment: commentOf(stars[2]!) };
  return undefined;
}

function commentOf(rest: string): string | null {
  const comment = rest.replace(SEPARATORS, '').trim();
  return comment === '' ? null : comment;
}
