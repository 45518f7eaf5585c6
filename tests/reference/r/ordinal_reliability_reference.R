# Reference values from R psych for ordinal reliability, EFA and parallel analysis on polychoric
# and tetrachoric correlations, and omega hierarchical (tests/reference/test_ordinal_reliability.py).
# Rerunnable from the repository root (after tests/reference/r/polychoric_reference.R wrote ability.csv):
#   Rscript tests/reference/r/ordinal_reliability_reference.R
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})

out <- list(meta = list(R = R.version.string, psych = as.character(packageVersion("psych")),
                        GPArotation = as.character(packageVersion("GPArotation"))))
quiet <- function(expr) suppressMessages(suppressWarnings(expr))

bfi <- read.csv("tests/reference/data/bfi.csv")
ability <- read.csv("tests/reference/data/ability.csv")
synth <- read.csv("tests/reference/data/synth_items.csv")
synth_missing <- read.csv("tests/reference/data/synth_items_missing.csv")
spec <- fromJSON("tests/reference/data/synth_scales.json")

# ordinal alpha (Zumbo, Gadermann & Zeisser 2007): psych::alpha on the polychoric matrix
alpha_ref <- function(x, reversed, cor = "poly") {
  rho <- quiet(if (cor == "poly") polychoric(x)$rho else tetrachoric(x)$rho)
  a <- quiet(psych::alpha(rho, keys = if (length(reversed)) reversed else NULL, warnings = FALSE))
  om <- quiet(psych::omega(rho, nfactors = 1, plot = FALSE))
  list(items = colnames(x), reverse = I(reversed), cor = cor,
       alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, average_r = a$total$average_r,
       r_drop = unname(a$item.stats$r.drop), alpha_if_dropped = unname(a$alpha.drop$raw_alpha),
       omega_total = om$omega.tot)
}
keys <- list(A = c("-A1", "A2", "A3", "A4", "A5"), C = c("C1", "C2", "C3", "-C4", "-C5"),
             E = c("-E1", "-E2", "E3", "E4", "E5"), N = c("N1", "N2", "N3", "N4", "N5"),
             O = c("O1", "-O2", "O3", "O4", "-O5"))
out$alpha_bfi <- lapply(keys, function(k) {
  nm <- sub("-", "", k)
  alpha_ref(bfi[, nm], nm[startsWith(k, "-")])
})
out$alpha_synth <- lapply(spec$scales, function(nm) alpha_ref(synth_missing[, nm], intersect(nm, spec$reverse)))
out$alpha_ability <- list(tet = alpha_ref(ability, character(0), "tet"),
                          poly = alpha_ref(ability, character(0), "poly"))
out$pearson_alpha_ability <- quiet(psych::alpha(ability))$total$raw_alpha

fa_ref <- function(x, nf, cor, rotate = "oblimin") {
  f <- quiet(fa(x, nfactors = nf, fm = "minres", rotate = rotate, cor = cor))
  L <- unclass(f$loadings)
  res <- list(nfactors = nf, cor = cor, rotate = rotate, items = rownames(L),
              loadings = lapply(as.data.frame(L), function(v) v),
              communality = unname(f$communality), ss_loadings = unname(f$Vaccounted["SS loadings", ]))
  if (!is.null(f$Phi)) res$phi <- unname(f$Phi)
  res
}
out$efa <- list(bfi_poly = fa_ref(bfi[, 1:25], 5, "poly"),
                synth_poly = fa_ref(synth, 5, "poly"),
                ability_tet = fa_ref(ability, 2, "tet"))

set.seed(14)
pa <- quiet(fa.parallel(synth, fa = "both", fm = "minres", n.iter = 20, cor = "poly", plot = FALSE))
out$parallel_synth_poly <- list(n_factors = pa$nfact, n_components = pa$ncomp,
                                fa_values = pa$fa.values, pc_values = pa$pc.values)
pa <- quiet(fa.parallel(ability, fa = "both", fm = "minres", n.iter = 20, cor = "tet", plot = FALSE))
out$parallel_ability_tet <- list(n_factors = pa$nfact, n_components = pa$ncomp,
                                 fa_values = pa$fa.values, pc_values = pa$pc.values)

omega_ref <- function(x, nf, poly = FALSE) {
  om <- quiet(psych::omega(x, nfactors = nf, poly = poly, plot = FALSE))
  sl <- om$schmid$sl
  list(nfactors = nf, poly = poly, items = colnames(x), omega_h = om$omega_h, omega_total = om$omega.tot,
       omega_limit = om$omega.lim, alpha = om$alpha, ecv = unname(om$ECV),
       g_loadings = unname(sl[, 1]), h2 = unname(sl[, "h2"]), u2 = unname(sl[, "u2"]))
}
out$omega <- list(bfi5 = omega_ref(bfi[, 1:25], 5),
                  bfi3 = omega_ref(bfi[, 1:25], 3),
                  bfi5_poly = omega_ref(bfi[, 1:25], 5, poly = TRUE),
                  synth5 = omega_ref(synth, 5),
                  synth3_poly = omega_ref(synth, 3, poly = TRUE),
                  two_factors = omega_ref(bfi[, c(paste0("A", 1:5), paste0("C", 1:5))], 2))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/r/ordinal_reliability_reference.json")
