# Reference values from R psych for the psychometrics tests (tests/test_reliability.py,
# tests/test_factors.py, tests/test_scoring.py). Rerunnable: from the repository root run
#   Rscript tests/reference/r/psych_reference.R
# It writes tests/reference/data/bfi.csv (psych's bfi) and tests/reference/r/psych_reference.json; when
# tests/reference/data/synth_items.csv exists (see tests/reference/r/make_synth_reference_data.py) it adds a
# "synth" section computed on that file. R is only needed to regenerate; CI reads the JSON.
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})

out <- list(meta = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                        GPArotation = as.character(packageVersion("GPArotation"))))

data(bfi, package = "psych")
write.csv(bfi, "tests/reference/data/bfi.csv", row.names = FALSE, na = "")
items <- bfi[, 1:25]

keys <- list(A = c("-A1", "A2", "A3", "A4", "A5"), C = c("C1", "C2", "C3", "-C4", "-C5"),
             E = c("-E1", "-E2", "E3", "E4", "E5"), N = c("N1", "N2", "N3", "N4", "N5"),
             O = c("O1", "-O2", "O3", "O4", "-O5"))

alpha_ref <- function(x, reversed) {
  a <- psych::alpha(x, keys = reversed, warnings = FALSE)
  om <- suppressMessages(suppressWarnings(psych::omega(x, nfactors = 1, plot = FALSE)))
  st <- a$item.stats
  list(items = colnames(x), reverse = I(reversed),
       alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, average_r = a$total$average_r,
       feldt_low = as.numeric(unlist(a$feldt$lower.ci)), feldt_high = as.numeric(unlist(a$feldt$upper.ci)), n_obs = nrow(x),
       omega_total = om$omega.tot,
       item_n = unname(st$n), item_mean = unname(st$mean), item_sd = unname(st$sd),
       r_drop = unname(st$r.drop), alpha_if_dropped = unname(a$alpha.drop$raw_alpha))
}

out$alpha <- lapply(keys, function(k) {
  nm <- sub("-", "", k)
  alpha_ref(bfi[, nm], nm[startsWith(k, "-")])
})

# complete cases of A, for the pingouin cross-check and the complete-data fast path
A_cc <- na.omit(bfi[, paste0("A", 1:5)])
out$alpha_complete_A <- alpha_ref(A_cc, "A1")

# scale scores: psych::scoreItems (impute = "none") and the same masked to >= 50% answered items
sk <- make.keys(items, keys)
sc <- scoreItems(sk, items, impute = "none", min = 1, max = 6)$scores
n_answered <- sapply(keys, function(k) rowSums(!is.na(items[, sub("-", "", k)])))
masked <- sc
masked[n_answered < 0.5 * 5] <- NA
out$scores <- list(
  first20 = lapply(as.data.frame(sc[1:20, ]), function(v) v),
  means = as.list(colMeans(sc, na.rm = TRUE)),
  n_scored = as.list(colSums(!is.na(sc))),
  masked_means = as.list(colMeans(masked, na.rm = TRUE)),
  masked_n = as.list(colSums(!is.na(masked))))

k <- KMO(items)
out$kmo <- list(overall = k$MSA, per_item = as.list(k$MSAi))
b <- cortest.bartlett(cor(items, use = "pairwise"), n = nrow(items))
out$bartlett <- list(chi2 = b$chisq, df = b$df, p = b$p.value, n = nrow(items))

set.seed(2021)
pa <- fa.parallel(items, fa = "both", fm = "minres", n.iter = 100, plot = FALSE)
out$parallel <- list(n_factors = pa$nfact, n_components = pa$ncomp,
                     fa_values = pa$fa.values, pc_values = pa$pc.values,
                     fa_sim = pa$fa.sim, pc_sim = pa$pc.sim)

fa_ref <- function(x, nf, fm, rotate) {
  f <- suppressMessages(suppressWarnings(fa(x, nfactors = nf, fm = fm, rotate = rotate)))
  L <- unclass(f$loadings)
  res <- list(nfactors = nf, fm = fm, rotate = rotate, items = rownames(L),
              loadings = lapply(as.data.frame(L), function(v) v),
              communality = unname(f$communality), uniquenesses = unname(f$uniquenesses),
              ss_loadings = unname(f$Vaccounted["SS loadings", ]))
  if (!is.null(f$Phi)) res$phi <- unname(f$Phi)
  res
}
out$fa <- list(
  minres_oblimin = fa_ref(items, 5, "minres", "oblimin"),
  minres_promax = fa_ref(items, 5, "minres", "promax"),
  minres_varimax = fa_ref(items, 5, "minres", "varimax"),
  ml_oblimin = fa_ref(items, 5, "ml", "oblimin"),
  pa_varimax = fa_ref(items, 5, "pa", "varimax"),
  minres_geominQ = fa_ref(items, 5, "minres", "geominQ"),
  minres_none = fa_ref(items, 5, "minres", "none"),
  one_factor_ml = fa_ref(bfi[, paste0("N", 1:5)], 1, "ml", "none"),
  one_factor_minres = fa_ref(bfi[, paste0("N", 1:5)], 1, "minres", "none"))

# our synthetic network (optional until tests/reference/data/synth_items.csv exists)
if (file.exists("tests/reference/data/synth_items.csv")) {
  syn <- read.csv("tests/reference/data/synth_items.csv")
  skeys <- fromJSON("tests/reference/data/synth_scales.json")
  out$synth <- list(alpha = lapply(skeys$scales, function(s) {
    rev <- intersect(s, skeys$reverse)
    alpha_ref(syn[, s], rev)
  }))
  sk2 <- KMO(syn); out$synth$kmo <- list(overall = sk2$MSA, per_item = as.list(sk2$MSAi))
  nf <- length(skeys$scales)
  out$synth$fa <- list(minres_oblimin = fa_ref(syn, nf, "minres", "oblimin"),
                       ml_promax = fa_ref(syn, nf, "ml", "promax"))
}

writeLines(toJSON(out, digits = 10, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "tests/reference/r/psych_reference.json")
cat("wrote tests/reference/r/psych_reference.json\n")
