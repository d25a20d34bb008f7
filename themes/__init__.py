"""Look and language: base templates (Arabic RTL first, English switchable), the shipped Arabic
webfont, Hijri (Umm al-Qura) dates beside Gregorian ones, and the translation catalogues."""
