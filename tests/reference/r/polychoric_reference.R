# Reference values from R psych for polychoric and tetrachoric correlations
# (tests/reference/test_polychoric.py). Rerunnable from the repository root:
#   .venv/bin/python tests/reference/r/make_synth_ordinal_data.py   # synthetic data sets (once)
#   Rscript tests/reference/r/polychoric_reference.R
# Writes tests/reference/data/ability.csv (psychTools' ability: 16 binary items, missing values) and
# tests/reference/r/polychoric_reference.json. psych's bfi is tests/reference/data/bfi.csv (psych_reference.R).
suppressPackageStartupMessages({library(psych); library(jsonlite)})

out <- list(meta = list(R = R.version.string, psych = as.character(packageVersion("psych"))))

mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) as.numeric(m[i, ])))
poly_ref <- function(x) {
  r <- suppressMessages(suppressWarnings(polychoric(x)))
  list(items = colnames(x), rho = mat(r$rho), tau = mat(r$tau), n_obs = r$n.obs)
}
tetra_ref <- function(x) {
  r <- suppressMessages(suppressWarnings(tetrachoric(x)))
  list(items = colnames(x), rho = mat(r$rho), tau = as.numeric(r$tau), n_obs = r$n.obs)
}

bfi <- read.csv("tests/reference/data/bfi.csv")
out$bfi <- poly_ref(bfi[, 1:25])
# items that do not all reach the same highest category: psych switches to global = FALSE and
# applies the correction for continuity (0.5) to empty cells of each pair's table
uneq <- bfi[, 1:10]
uneq$C1[uneq$C1 == 6] <- 5
uneq$A2[uneq$A2 == 6] <- 5
out$bfi_unequal <- poly_ref(uneq)

data(ability, package = "psychTools")
write.csv(ability, "tests/reference/data/ability.csv", row.names = FALSE, na = "")
out$ability_tetrachoric <- tetra_ref(ability)
out$ability_polychoric <- poly_ref(ability)

synth <- read.csv("tests/reference/data/synth_items.csv")
out$synth <- poly_ref(synth)
synth_missing <- read.csv("tests/reference/data/synth_items_missing.csv")
out$synth_missing <- poly_ref(synth_missing)
synth_binary <- read.csv("tests/reference/data/synth_items_binary.csv")
out$synth_binary_tetrachoric <- tetra_ref(synth_binary)
# sparse tables: the first 15 (binary) or 120 respondents only (empty cells, so the correction is used)
out$synth_binary_small <- tetra_ref(synth_binary[1:15, 1:8])
# (with fewer respondents psych itself fails: its corrected proportions then add up to more than 1)
small <- synth[1:120, 1:8]
small$REFL1[small$REFL1 == 5] <- 4     # highest categories differ: psych's global = FALSE path
out$synth_small_unequal <- poly_ref(small)

# timing for benchmarks/ (psych on this machine, seconds, median of 3)
tm <- function(f) median(sapply(1:3, function(i) system.time(suppressMessages(suppressWarnings(f())))[["elapsed"]]))
out$timing <- list(bfi_polychoric = tm(function() polychoric(bfi[, 1:25])),
                   ability_tetrachoric = tm(function() tetrachoric(ability)))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/r/polychoric_reference.json")
