//! The expressions of the CI files, as far as the examples use them: GitHub's `${{ ... }}` and
//! `if:` (contexts such as `github.event_name`, `steps.ID.outputs.NAME`, the status functions
//! `always()`, `success()`, `failure()`) and GitLab's `rules: if:` (`$VARIABLE`). Literals are
//! quoted strings, `true` and `false`; operators `==`, `!=`, `!`, `&&`, `||` and parentheses.
//! Anything else is a parse error, so an example that starts using more fails the test instead
//! of being read wrongly.

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Str(String),
}

impl Val {
    pub fn truthy(&self) -> bool {
        match self {
            Val::Null => false,
            Val::Bool(b) => *b,
            Val::Str(s) => !s.is_empty(),
        }
    }

    /// As GitHub writes a value into a string (`${{ }}` in `env:`, `with:`, outputs).
    pub fn text(&self) -> String {
        match self {
            Val::Null => String::new(),
            Val::Bool(b) => b.to_string(),
            Val::Str(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Val),
    /// A context path (`github.event_name`) or a GitLab variable (`$CI_COMMIT_BRANCH`).
    Ref(String),
    /// A function call without arguments: `always()`.
    Call(String),
    Not(Box<Expr>),
    Eq(Box<Expr>, Box<Expr>),
    Ne(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Str(String),
    Word(String),
    Var(String),
    Op(&'static str),
}

fn tokens(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let end = chars[i + 1..].iter().position(|&d| d == c).ok_or(format!("unterminated string in `{src}`"))?;
            out.push(Token::Str(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if c == '$' {
            let len = chars[i + 1..].iter().take_while(|&&d| d.is_ascii_alphanumeric() || d == '_').count();
            if len == 0 {
                return Err(format!("`$` without a variable name in `{src}`"));
            }
            out.push(Token::Var(chars[i + 1..i + 1 + len].iter().collect()));
            i += len + 1;
        } else if word(c) {
            let len = chars[i..].iter().take_while(|&&d| word(d)).count();
            out.push(Token::Word(chars[i..i + len].iter().collect()));
            i += len;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["==", "!=", "&&", "||"].into_iter().find(|o| *o == two);
            match (op, c) {
                (Some(o), _) => {
                    out.push(Token::Op(o));
                    i += 2;
                }
                (None, '!') => {
                    out.push(Token::Op("!"));
                    i += 1;
                }
                (None, '(') => {
                    out.push(Token::Op("("));
                    i += 1;
                }
                (None, ')') => {
                    out.push(Token::Op(")"));
                    i += 1;
                }
                _ => return Err(format!("`{c}` is not an operator this test understands, in `{src}`")),
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    src: String,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, op: &'static str) -> bool {
        let found = self.peek() == Some(&Token::Op(op));
        if found {
            self.at += 1;
        }
        found
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("!") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        let left = self.primary()?;
        if self.eat("==") {
            Ok(Expr::Eq(Box::new(left), Box::new(self.primary()?)))
        } else if self.eat("!=") {
            Ok(Expr::Ne(Box::new(left), Box::new(self.primary()?)))
        } else {
            Ok(left)
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        if self.eat("(") {
            let inner = self.or()?;
            return if self.eat(")") { Ok(inner) } else { Err(format!("missing `)` in `{}`", self.src)) };
        }
        let token = self.peek().cloned().ok_or(format!("`{}` ends too early", self.src))?;
        self.at += 1;
        match token {
            Token::Str(s) => Ok(Expr::Lit(Val::Str(s))),
            Token::Var(v) => Ok(Expr::Ref(format!("${v}"))),
            Token::Word(w) if w == "true" || w == "false" => Ok(Expr::Lit(Val::Bool(w == "true"))),
            Token::Word(w) if w == "null" => Ok(Expr::Lit(Val::Null)),
            Token::Word(w) => {
                if self.eat("(") {
                    if !self.eat(")") {
                        return Err(format!("{w}(...) with arguments is not understood, in `{}`", self.src));
                    }
                    Ok(Expr::Call(w))
                } else if w.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    Ok(Expr::Ref(w))
                } else {
                    Err(format!("`{w}` is not a literal this test understands, in `{}`", self.src))
                }
            }
            Token::Op(o) => Err(format!("unexpected `{o}` in `{}`", self.src)),
        }
    }
}

pub fn parse(src: &str) -> Result<Expr, String> {
    let mut p = Parser { tokens: tokens(src)?, at: 0, src: src.to_string() };
    let e = p.or()?;
    if p.at != p.tokens.len() {
        return Err(format!("unexpected text after the expression in `{src}`"));
    }
    Ok(e)
}

impl Expr {
    /// Every reference and call in the expression (`github.event_name`, `$CI_COMMIT_BRANCH`,
    /// `always()`), to check them against what the model knows before anything runs.
    pub fn names(&self) -> Vec<String> {
        match self {
            Expr::Lit(_) => vec![],
            Expr::Ref(r) => vec![r.clone()],
            Expr::Call(c) => vec![format!("{c}()")],
            Expr::Not(e) => e.names(),
            Expr::Eq(a, b) | Expr::Ne(a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                let mut v = a.names();
                v.extend(b.names());
                v
            }
        }
    }

    /// Evaluates with `lookup` resolving references and calls (a call arrives as `name()`).
    /// `&&` and `||` give one of their operands, as in GitHub's expressions.
    pub fn eval(&self, lookup: &dyn Fn(&str) -> Val) -> Val {
        match self {
            Expr::Lit(v) => v.clone(),
            Expr::Ref(r) => lookup(r),
            Expr::Call(c) => lookup(&format!("{c}()")),
            Expr::Not(e) => Val::Bool(!e.eval(lookup).truthy()),
            Expr::Eq(a, b) => Val::Bool(a.eval(lookup) == b.eval(lookup)),
            Expr::Ne(a, b) => Val::Bool(a.eval(lookup) != b.eval(lookup)),
            Expr::And(a, b) => {
                let left = a.eval(lookup);
                if left.truthy() {
                    b.eval(lookup)
                } else {
                    left
                }
            }
            Expr::Or(a, b) => {
                let left = a.eval(lookup);
                if left.truthy() {
                    left
                } else {
                    b.eval(lookup)
                }
            }
        }
    }
}

/// The `${{ ... }}` parts of a GitHub string, in order, as (range in `text`, expression).
pub fn interpolations(text: &str) -> Result<Vec<(std::ops::Range<usize>, Expr)>, String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("${{").map(|i| i + from) {
        let end = text[start..].find("}}").map(|i| i + start).ok_or(format!("unterminated `${{{{` in `{text}`"))?;
        out.push((start..end + 2, parse(&text[start + 3..end])?));
        from = end + 2;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> Val {
        parse(src).unwrap().eval(&|name| match name {
            "github.event_name" => Val::Str("push".into()),
            "$CI_COMMIT_BRANCH" => Val::Str("main".into()),
            "$CI_DEFAULT_BRANCH" => Val::Str("main".into()),
            "always()" => Val::Bool(true),
            _ => Val::Null,
        })
    }

    #[test]
    fn github_and_gitlab_conditions() {
        assert_eq!(eval("github.event_name == 'push' && always()"), Val::Bool(true));
        assert_eq!(eval("github.event_name == 'pull_request' || github.event_name == 'schedule'"), Val::Bool(false));
        assert_eq!(
            eval(r#"$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule""#),
            Val::Bool(true)
        );
        assert_eq!(eval("$CI_MERGE_REQUEST_IID"), Val::Null);
        assert_eq!(eval("!(github.event_name == 'push')"), Val::Bool(false));
        assert_eq!(eval("github.event_name == 'push' && 'a' || 'b'"), Val::Str("a".into()));
    }

    #[test]
    fn what_it_does_not_understand_is_an_error() {
        assert!(parse("contains(github.ref, 'main')").is_err());
        assert!(parse("github.event_name =~ /push/").is_err());
        assert!(parse("github.run_number > 3").is_err());
    }
}
