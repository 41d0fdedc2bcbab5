//! Cutting decoded CSV text into records and fields without copying them: the import's hot
//! loop, where a general CSV reader spent most of its time re-checking text already known to
//! be UTF-8 and copying fields into records of its own.
//!
//! The dialect is what the customs platform and spreadsheets write (RFC 4180): fields
//! separated by commas, records by `\n` or `\r\n`; a field that starts with `"` runs to the
//! next lone `"`, may hold commas and line ends, and writes a quote as `""`. As the common CSV
//! readers do, blank lines are no records, text after a closing quote is kept as part of the
//! field, and a quote inside an unquoted field is an ordinary character. A lone `\r` is not a
//! line end (the import cuts files into blocks at `\n`).

use std::borrow::Cow;

/// The records of a text, one at a time.
pub(crate) struct Rows<'t> {
    text: &'t str,
    pos: usize,
    /// Line ends passed so far, plus the lines before the text.
    line: usize,
}

impl<'t> Rows<'t> {
    /// The records of `text`, whose first line is line `lines_before + 1` of its file.
    pub(crate) fn new(text: &'t str, lines_before: usize) -> Rows<'t> {
        Rows {
            text,
            pos: 0,
            line: lines_before,
        }
    }

    /// Bytes of the text read so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Puts the next record's fields into `fields` and gives the line it starts on; None at
    /// the end of the text.
    pub(crate) fn next_into(&mut self, fields: &mut Vec<Cow<'t, str>>) -> Option<usize> {
        let b = self.text.as_bytes();
        loop {
            match (b.get(self.pos), b.get(self.pos + 1)) {
                (None, _) => return None,
                (Some(b'\n'), _) => self.pos += 1,
                (Some(b'\r'), Some(b'\n')) => self.pos += 2,
                _ => break,
            }
            self.line += 1;
        }
        fields.clear();
        let first_line = self.line + 1;
        loop {
            let field = if b.get(self.pos) == Some(&b'"') {
                self.quoted()
            } else {
                self.unquoted()
            };
            fields.push(field);
            match b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    break;
                }
                _ => break,
            }
        }
        Some(first_line)
    }

    /// The text up to the next comma or line end (a `\r` before the line end dropped); `pos`
    /// is left on that comma or line end.
    fn unquoted(&mut self) -> Cow<'t, str> {
        let b = self.text.as_bytes();
        let start = self.pos;
        let end = b[start..]
            .iter()
            .position(|&c| c == b',' || c == b'\n')
            .map_or(b.len(), |i| start + i);
        self.pos = end;
        // Commas and line ends are ASCII, so never inside a character: the cut is on
        // character boundaries.
        let s = self.text.get(start..end).unwrap_or_default();
        let s = if b.get(end) == Some(&b',') {
            s
        } else {
            s.strip_suffix('\r').unwrap_or(s)
        };
        Cow::Borrowed(s)
    }

    /// A quoted field, `pos` on its opening quote; `pos` is left past the field.
    fn quoted(&mut self) -> Cow<'t, str> {
        let b = self.text.as_bytes();
        let start = self.pos + 1;
        let mut at = start;
        // Only a field with `""` in it is copied.
        let mut unescaped: Option<String> = None;
        let mut run = start;
        let content = loop {
            let Some(off) = b[at..].iter().position(|&c| c == b'"') else {
                // Never closed: the rest of the text is the field.
                self.line += count_lines(&b[at..]);
                self.pos = b.len();
                let rest = self.text.get(run..).unwrap_or_default();
                break match unescaped {
                    Some(mut s) => {
                        s.push_str(rest);
                        Cow::Owned(s)
                    }
                    None => Cow::Borrowed(rest),
                };
            };
            let quote = at + off;
            self.line += count_lines(&b[at..quote]);
            if b.get(quote + 1) == Some(&b'"') {
                // `""`: one quote of the text.
                let s = unescaped.get_or_insert_with(String::new);
                s.push_str(self.text.get(run..=quote).unwrap_or_default());
                run = quote + 2;
                at = quote + 2;
                continue;
            }
            self.pos = quote + 1;
            let last = self.text.get(run..quote).unwrap_or_default();
            break match unescaped {
                Some(mut s) => {
                    s.push_str(last);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(last),
            };
        };
        if matches!(b.get(self.pos), None | Some(b',' | b'\n')) {
            return content;
        }
        // Text after the closing quote belongs to the field.
        let tail = self.unquoted();
        if tail.is_empty() {
            content
        } else {
            Cow::Owned(content.into_owned() + &tail)
        }
    }
}

fn count_lines(b: &[u8]) -> usize {
    count_byte(b, b'\n')
}

/// How many times `byte` occurs in `b`, summed a byte at a time over chunks of 255 (which
/// cannot overflow one): this compiles to wide vector adds, where counting with a filter
/// widens every byte to 64 bits. The import counts line ends and quotes of whole files.
pub(crate) fn count_byte(b: &[u8], byte: u8) -> usize {
    b.chunks(255)
        .map(|c| c.iter().fold(0u8, |n, &x| n + u8::from(x == byte)) as usize)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut rows = Rows::new(text, 0);
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while let Some(line) = rows.next_into(&mut fields) {
            out.push((line, fields.iter().map(|f| f.to_string()).collect()));
        }
        out
    }

    /// What the `csv` crate reads from the same text, with the line each record starts on.
    fn csv_crate(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut out = Vec::new();
        while rdr.read_record(&mut record).unwrap() {
            let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
            out.push((line, record.iter().map(str::to_string).collect()));
        }
        out
    }

    #[test]
    fn bytes_are_counted() {
        for n in [0usize, 1, 254, 255, 256, 1000] {
            let b: Vec<u8> = (0..n)
                .map(|i| if i % 3 == 0 { b'\n' } else { b'a' })
                .collect();
            assert_eq!(count_byte(&b, b'\n'), n.div_ceil(3));
            assert_eq!(count_byte(&b, b'"'), 0);
        }
    }

    #[test]
    fn fields_quotes_and_line_ends() {
        let text =
            "a,b,c\r\n\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n,,\n\"tail\"end,z\n\"open";
        assert_eq!(
            records(text),
            vec![
                (1, vec!["a".into(), "b".into(), "c".into()]),
                (
                    3,
                    vec!["x, y".into(), "say \"hi\"".into(), "two\nlines".into()]
                ),
                (5, vec!["".into(), "".into(), "".into()]),
                (6, vec!["tailend".into(), "z".into()]),
                (7, vec!["open".into()]),
            ]
        );
    }

    #[test]
    fn unescaped_fields_borrow_the_text() {
        let mut rows = Rows::new("长春,\"吉林, 延边\",\"a\"\"b\"\n", 0);
        let mut fields = Vec::new();
        rows.next_into(&mut fields);
        assert!(matches!(fields[0], Cow::Borrowed("长春")));
        assert!(matches!(fields[1], Cow::Borrowed("吉林, 延边")));
        assert!(matches!(&fields[2], Cow::Owned(s) if s == "a\"b"));
        assert_eq!(rows.position(), rows.text.len());
    }

    /// Random texts of commas, quotes, line ends and characters read as the `csv` crate reads
    /// them. (Not their line numbers: the crate does not count blank lines, while these are
    /// the file's own lines, which `fields_quotes_and_line_ends` checks.)
    #[test]
    fn reads_as_the_csv_crate_does() {
        const PIECES: [&str; 9] = ["a", "中", ",", "\"", "\"\"", "\n", "\r\n", " ", "bc"];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for case in 0..20_000 {
            let mut text = String::new();
            let len = case % 40;
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(PIECES[(x % PIECES.len() as u64) as usize]);
            }
            let fields =
                |r: Vec<(usize, Vec<String>)>| r.into_iter().map(|r| r.1).collect::<Vec<_>>();
            assert_eq!(fields(records(&text)), fields(csv_crate(&text)), "{text:?}");
        }
    }
}
