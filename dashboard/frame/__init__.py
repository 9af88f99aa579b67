"""What every page shares: loading (cached), the view state and its URL, the filtered page context, the
sidebar, the sharing toolbar, chart clicks and quote HTML. Pages start with `page.run()`.
"""
