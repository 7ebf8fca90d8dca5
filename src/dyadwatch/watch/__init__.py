"""Watching (design §14, issue 30): ``dyadwatch watch`` syncs, runs ``shifts`` and sends alerts.

:mod:`~dyadwatch.watch.cycle` runs one cycle; :mod:`~dyadwatch.watch.alerts` keeps the alerts'
state (fire once per partner and kind, clear when the shift is gone); :mod:`~dyadwatch.watch.channels`
delivers them (Atom feed, webhook, SMTP, stdout); :mod:`~dyadwatch.watch.forecasts` keeps every
cycle's probabilities, hash-chained, and scores them; :mod:`~dyadwatch.watch.lock` keeps two
watchers off one store.
"""
