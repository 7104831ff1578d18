"""The mail machinery: every mail the shop sends goes through here.

``transport`` talks SMTP (or writes ``.eml`` files), ``wire`` turns a stored message
into the bytes a handset reads, ``outbox`` queues, claims and sends rows of the
``outbox`` table, ``marks`` records what left even when the database is slow to
say so, ``newsletter_mail`` builds メルマガ per recipient, and ``worker`` is
``ktaishop worker``: the loop that sends what is due.
"""
