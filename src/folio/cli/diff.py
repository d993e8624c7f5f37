import click
@click.command('diff')
def diff():
    pass

