"""What people receive: inspectors' Excel warning lists and CSV, the leaders' offline HTML dashboard and 通报 images.

warning_list.py (workbooks, CSV) · dashboard.py (page, images) · figures.py (charts that state their finding) ·
privacy.py (re-masks personal data that arrives in the clear) · labels_zh.py (every Chinese label, in one place).
"""
