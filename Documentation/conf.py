# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration of the zswap-rs documentation (`make htmldocs`).
project = 'zswap-rs'
copyright = 'zswap-rs developers'
author = 'zswap-rs developers'
extensions = []
master_doc = 'index'
exclude_patterns = ['ABI']
html_theme = 'alabaster'
html_theme_options = {'description': 'compressed swap cache for Linux 6.1, in Rust'}
highlight_language = 'none'
