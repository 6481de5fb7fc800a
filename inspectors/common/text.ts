/**
 * Text from outside (an ISP name, a RIOT service name, an instance's Name tag) made fit for a finding title:
 * control and bidi characters out, length bounded, so a hostile or broken answer cannot forge
 * log lines, reorder what an analyst reads, or push a title past the contract's 1024 characters.
 */
export const cleanText = (text: string, max = 120): string => {
  const cleaned = text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
};
