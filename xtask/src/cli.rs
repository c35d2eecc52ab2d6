//! Command-line arguments of the xtask commands: a few flags and positional paths, so no parser
//! crate is needed.

use anyhow::bail;

/// The arguments of one command.
pub struct Flags {
    flags: Vec<String>,
    /// The arguments that are not flags, in order.
    pub positional: Vec<String>,
}

impl Flags {
    /// Splits `args` into `known` flags and exactly `positional` other arguments.
    pub fn parse(
        args: &[String],
        known: &[&str],
        positional: usize,
        usage: &str,
    ) -> anyhow::Result<Flags> {
        let mut parsed = Flags {
            flags: Vec::new(),
            positional: Vec::new(),
        };
        for arg in args {
            if known.contains(&arg.as_str()) {
                parsed.flags.push(arg.clone());
            } else if arg.starts_with("--") {
                bail!("unknown flag `{arg}`; {usage}");
            } else {
                parsed.positional.push(arg.clone());
            }
        }
        if parsed.positional.len() != positional {
            bail!("unexpected arguments {args:?}; {usage}");
        }
        Ok(parsed)
    }

    /// Whether `flag` was given.
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

/// The one optional `FLAG N` a command takes (`--rounds 20`): N, or `default` without it.
pub fn count_flag<T>(args: &[String], flag: &str, default: T, usage: &str) -> anyhow::Result<T>
where
    T: std::str::FromStr + PartialOrd + Default,
{
    match args {
        [] => Ok(default),
        [given, n] if given == flag => match n.parse::<T>() {
            Ok(n) if n > T::default() => Ok(n),
            _ => bail!("{flag} {n:?} is not a positive number; {usage}"),
        },
        _ => bail!("{usage}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_count_flag_takes_its_default_a_positive_number_or_fails_with_the_usage() {
        assert_eq!(count_flag::<u32>(&[], "--rounds", 15, "usage").unwrap(), 15);
        assert_eq!(
            count_flag::<u32>(&args(&["--rounds", "4"]), "--rounds", 15, "usage").unwrap(),
            4
        );
        for bad in [
            &["--rounds", "0"][..],
            &["--rounds", "x"],
            &["--round", "4"],
            &["4"],
        ] {
            let error = count_flag::<u32>(&args(bad), "--rounds", 15, "usage: x").unwrap_err();
            assert!(error.to_string().contains("usage: x"), "{error}");
        }
    }
}
