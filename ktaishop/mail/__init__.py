"""The mail machinery: every mail the shop sends goes through here.

From the bottom up, each module importing only those before it: ``transport`` talks
SMTP (or writes ``.eml`` files), ``wire`` turns a stored message into the bytes a
handset reads, ``marks`` records what left even when the database is slow to say so,
``profiles`` reads the mail profile (標準 or 旧端末向け) a queued mail keeps,
``builder`` is what a builder of one kind of mail returns, ``newsletter_mail`` queues
メルマガ and builds them per recipient, ``outbox`` builds, sends and records rows of the
``outbox`` table (its ``BUILDERS`` table names the builder of each kind), and
``worker`` is ``ktaishop worker``: the loop that sends what is due, with its
housekeeping.
"""
